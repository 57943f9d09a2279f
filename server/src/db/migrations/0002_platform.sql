-- Platform core: tenancy with row-level security, directory (workspaces, users, memberships),
-- API tokens, the hash-chained audit log, the transactional event outbox, notification channels
-- and their deliveries.
--
-- Roles. Migrations run as the owner (the DATABASE_URL user). Requests run as vigilo_app: it
-- owns nothing and has no BYPASSRLS, so the policies below bind it whatever the code does. The
-- server reaches it with SET ROLE on the runtime pool's connections.
DO $$
BEGIN
  CREATE ROLE vigilo_app NOLOGIN NOBYPASSRLS NOSUPERUSER NOINHERIT;
EXCEPTION
  -- Roles are cluster-wide: another database of this cluster (or a concurrent test) made it.
  WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT vigilo_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO vigilo_app;

-- The workspace of the current transaction, or NULL when none is set (then policies match nothing).
CREATE FUNCTION vigilo_workspace() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('vigilo.workspace_id', true), '')::uuid $$;

-- ---------------------------------------------------------------------------------------------
-- Directory. Membership is resolved by the owner before a request's transaction starts (the
-- workspace is not known until then), so these three tables ENABLE row security for vigilo_app
-- but do not FORCE it on their owner. Every other tenant table below FORCEs it.
CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspaces_tenant ON workspaces USING (id = vigilo_workspace());
GRANT SELECT, UPDATE (name, settings) ON workspaces TO vigilo_app;

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  issuer text NOT NULL,
  subject text NOT NULL,
  email text,
  name text,
  platform_admin boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  last_seen_at timestamptz(3),
  UNIQUE (issuer, subject)
);
CREATE INDEX users_email ON users (lower(email));

CREATE TABLE memberships (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('viewer', 'member', 'approver', 'admin', 'owner', 'auditor')),
  -- The auditor role is time-boxed: it ends by itself at expires_at.
  expires_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id),
  CHECK (role <> 'auditor' OR expires_at IS NOT NULL)
);
CREATE INDEX memberships_user ON memberships (user_id);
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
CREATE POLICY memberships_tenant ON memberships USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE (role, expires_at), DELETE ON memberships TO vigilo_app;

-- Users are global; a request may see only the users of its own workspace.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_tenant ON users USING (
  EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.workspace_id = vigilo_workspace())
);
GRANT SELECT ON users TO vigilo_app;

-- ---------------------------------------------------------------------------------------------
-- Per-workspace heads: the last audit row's sequence and hash, and the last event sequence.
-- Appending takes this row's lock until commit, so sequences are contiguous and in commit order
-- per workspace: the audit chain never forks and event readers never skip a late commit.
CREATE TABLE workspace_heads (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
  audit_seq bigint NOT NULL DEFAULT 0,
  audit_hash bytea,
  event_seq bigint NOT NULL DEFAULT 0
);
ALTER TABLE workspace_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspace_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_heads_tenant ON workspace_heads USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE ON workspace_heads TO vigilo_app;

CREATE FUNCTION vigilo_create_heads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The creating transaction works inside the new workspace from here on (its heads row, its
  -- first audit row), also when the owner is not a superuser and row security is forced on it.
  PERFORM set_config('vigilo.workspace_id', NEW.id::text, true);
  INSERT INTO workspace_heads (workspace_id) VALUES (NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER workspaces_heads AFTER INSERT ON workspaces FOR EACH ROW EXECUTE FUNCTION vigilo_create_heads();

-- ---------------------------------------------------------------------------------------------
-- Audit log: append-only, hash-chained per workspace.
CREATE TABLE audit_events (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  seq bigint NOT NULL,
  occurred_at timestamptz(3) NOT NULL,
  actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_token', 'agent', 'system')),
  actor_id text NOT NULL,
  action text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  target_type text NOT NULL,
  target_id text NOT NULL,
  -- Canonical JSON text (sorted keys, no spaces) written by the server: hashed byte for byte.
  summary text NOT NULL CHECK (summary::jsonb IS NOT NULL),
  request_id text,
  prev_hash bytea,
  hash bytea NOT NULL,
  PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX audit_events_actor ON audit_events (workspace_id, actor_id, seq);
CREATE INDEX audit_events_target ON audit_events (workspace_id, target_type, target_id, seq);
CREATE INDEX audit_events_action ON audit_events (workspace_id, action, seq);
CREATE INDEX audit_events_time ON audit_events (workspace_id, occurred_at, seq);
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_events_tenant ON audit_events USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON audit_events TO vigilo_app;

-- The text that is hashed for one row. shared/src/audit-chain.ts computes the same bytes, so the
-- desktop can verify the chain on its replica.
CREATE FUNCTION vigilo_audit_canonical(a audit_events) RETURNS text
  LANGUAGE sql IMMUTABLE
  AS $$
    SELECT concat_ws(E'\n',
      'vigilo-audit-v1',
      a.workspace_id::text,
      a.seq::text,
      to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      a.actor_type, a.actor_id, a.action, a.target_type, a.target_id,
      a.summary,
      coalesce(a.request_id, ''),
      coalesce(encode(a.prev_hash, 'hex'), ''))
  $$;

-- Sequence, link and hash are assigned here, not by callers: no code path can forget or forge them.
CREATE FUNCTION vigilo_audit_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head workspace_heads;
BEGIN
  UPDATE workspace_heads SET audit_seq = audit_seq + 1
    WHERE workspace_id = NEW.workspace_id
    RETURNING * INTO head;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no workspace head for %', NEW.workspace_id;
  END IF;
  NEW.seq := head.audit_seq;
  NEW.prev_hash := head.audit_hash;
  NEW.occurred_at := coalesce(NEW.occurred_at, now());
  NEW.hash := sha256(convert_to(vigilo_audit_canonical(NEW), 'UTF8'));
  UPDATE workspace_heads SET audit_hash = NEW.hash WHERE workspace_id = NEW.workspace_id;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_events_append BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION vigilo_audit_append();

CREATE FUNCTION vigilo_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_immutable BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION vigilo_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION vigilo_refuse_change();

-- ---------------------------------------------------------------------------------------------
-- Event outbox: one row per state change, same transaction as the change.
CREATE TABLE events (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  seq bigint NOT NULL,
  type text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
  payload jsonb NOT NULL,
  occurred_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, seq)
);
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY events_tenant ON events USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON events TO vigilo_app;

CREATE FUNCTION vigilo_event_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workspace_heads SET event_seq = event_seq + 1
    WHERE workspace_id = NEW.workspace_id
    RETURNING event_seq INTO NEW.seq;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no workspace head for %', NEW.workspace_id;
  END IF;
  -- Wakes dispatchers in every server process at commit (never for a rolled-back change).
  PERFORM pg_notify('vigilo_events', NEW.workspace_id::text);
  RETURN NEW;
END $$;
CREATE TRIGGER events_append BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION vigilo_event_append();
CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION vigilo_refuse_change();

-- How far each durable consumer has processed each workspace's events.
CREATE TABLE event_cursors (
  consumer text NOT NULL,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  last_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (consumer, workspace_id)
);
ALTER TABLE event_cursors ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_cursors FORCE ROW LEVEL SECURITY;
CREATE POLICY event_cursors_tenant ON event_cursors USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE ON event_cursors TO vigilo_app;

-- ---------------------------------------------------------------------------------------------
-- API tokens: shown once, stored as SHA-256 of the random token.
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash bytea NOT NULL UNIQUE,
  -- The first characters, to recognise a token in lists without storing it.
  prefix text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'member', 'approver', 'admin', 'owner', 'auditor')),
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3),
  last_used_at timestamptz(3),
  revoked_at timestamptz(3)
);
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, created_at);
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_tenant ON api_tokens USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE (revoked_at, last_used_at) ON api_tokens TO vigilo_app;

-- ---------------------------------------------------------------------------------------------
-- Notification channels and their deliveries.
CREATE TABLE channels (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  type text NOT NULL CHECK (type IN ('webhook', 'slack', 'teams', 'pagerduty', 'email')),
  -- Settings without secrets; secrets live only in secret_sealed (AES-256-GCM).
  config jsonb NOT NULL,
  secret_sealed text,
  event_types text[] NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  consecutive_failures integer NOT NULL DEFAULT 0,
  disabled_reason text,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, name)
);
ALTER TABLE channels ENABLE ROW LEVEL SECURITY;
ALTER TABLE channels FORCE ROW LEVEL SECURITY;
CREATE POLICY channels_tenant ON channels USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON channels TO vigilo_app;

CREATE TABLE deliveries (
  -- Stable across retries: receivers deduplicate on it (the webhook-id header).
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  event_seq bigint NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  -- The last backoff delay: decorrelated jitter grows from it.
  last_delay_ms integer,
  next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  completed_at timestamptz(3),
  UNIQUE (channel_id, event_seq),
  FOREIGN KEY (workspace_id, event_seq) REFERENCES events (workspace_id, seq)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
ALTER TABLE deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY deliveries_tenant ON deliveries USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE ON deliveries TO vigilo_app;

CREATE TABLE delivery_attempts (
  delivery_id uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  attempted_at timestamptz(3) NOT NULL,
  ok boolean NOT NULL,
  status_code integer,
  latency_ms integer NOT NULL,
  reason text,
  response_excerpt text,
  PRIMARY KEY (delivery_id, attempt)
);
ALTER TABLE delivery_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE delivery_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY delivery_attempts_tenant ON delivery_attempts USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON delivery_attempts TO vigilo_app;
