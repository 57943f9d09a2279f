-- Identity: the built-in OpenID provider's local accounts and its stored artefacts. These tables
-- are global (an account signs in before any workspace is chosen), so they carry no workspace_id
-- and no row-level security. Nothing is granted to the runtime role vigilo_app: only the identity
-- module reads them, through the owner-role pool, so no request path can reach a password hash.

-- Local accounts of the built-in provider (single-machine mode). Users of an external IdP never
-- appear here. Email is unique case-insensitively; the address is kept as typed for display.
CREATE TABLE local_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email = btrim(email) AND length(email) BETWEEN 3 AND 320 AND position('@' IN email) > 1),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  -- argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
  password_hash text NOT NULL CHECK (password_hash LIKE '$argon2%'),
  created_at timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE UNIQUE INDEX local_accounts_email_key ON local_accounts (lower(email));

-- oidc-provider's adapter storage: sessions, interactions, grants, authorization codes, refresh
-- tokens, … one row per (kind, id). JWT access tokens are not stored (they are self-contained).
CREATE TABLE oidc_payloads (
  kind text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  user_code text,
  uid text,
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (kind, id)
);
-- revokeByGrantId deletes every artefact of a grant, whatever its kind.
CREATE INDEX oidc_payloads_grant_id ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
-- Session.findByUid and DeviceCode.findByUserCode.
CREATE INDEX oidc_payloads_uid ON oidc_payloads (kind, uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payloads_user_code ON oidc_payloads (kind, user_code) WHERE user_code IS NOT NULL;
-- The purge job deletes expired rows in index order.
CREATE INDEX oidc_payloads_expires_at ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;
