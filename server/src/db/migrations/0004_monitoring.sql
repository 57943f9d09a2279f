-- Monitoring: agents and their enrollment, monitored hosts, snapshots (time-partitioned), the
-- hot current status per host, the certificate inventory, alert rules, alerts, snoozes and
-- maintenance windows. Every table is a tenant table: FORCE row security like 0002.

CREATE TABLE enrollment_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash bytea NOT NULL UNIQUE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3),
  agent_id uuid
);

CREATE TABLE agents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL,
  token_hash bytea NOT NULL UNIQUE,
  version text,
  platform text,
  address text,
  enrolled_at timestamptz(3) NOT NULL DEFAULT now(),
  last_seen_at timestamptz(3),
  revoked_at timestamptz(3),
  -- Bumped whenever this agent's assigned hosts change: the config's ETag.
  config_version bigint NOT NULL DEFAULT 1
);

CREATE TABLE hosts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  hostname text NOT NULL CHECK (hostname ~ '^[a-z0-9.:\[\]-]{1,253}$'),
  port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  protocol text CHECK (protocol IN ('tls', 'https', 'smtp', 'imap', 'pop3', 'ldap')),
  interval_s integer NOT NULL CHECK (interval_s IN (300, 900, 3600, 21600, 86400)),
  tags text[] NOT NULL DEFAULT '{}',
  agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, hostname, port)
);
CREATE INDEX hosts_agent ON hosts (agent_id) WHERE active;
CREATE INDEX hosts_tags ON hosts USING gin (tags);

-- One immutable row per scan. Partitioned by month of scanned_at: retention drops partitions.
-- (id, scanned_at) is the dedupe key: a resent snapshot repeats both exactly.
CREATE TABLE snapshots (
  id uuid NOT NULL,
  scanned_at timestamptz(3) NOT NULL,
  workspace_id uuid NOT NULL,
  host_id uuid NOT NULL,
  agent_id uuid NOT NULL,
  received_at timestamptz(3) NOT NULL DEFAULT now(),
  reachable boolean NOT NULL,
  grade text,
  not_after timestamptz(3),
  fingerprint text,
  handshake_ms real,
  body jsonb NOT NULL,
  PRIMARY KEY (id, scanned_at)
) PARTITION BY RANGE (scanned_at);
CREATE TABLE snapshots_default PARTITION OF snapshots DEFAULT;
CREATE INDEX snapshots_host_time ON snapshots (workspace_id, host_id, scanned_at DESC);

-- Creates the month partition holding `at` if missing (rows of that month in the default
-- partition are moved into it). Called by ingest before writing a month it has not seen.
CREATE FUNCTION vigilo_ensure_snapshot_partition(at timestamptz) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
  start_at timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  end_at timestamptz := start_at + interval '1 month';
  name text := 'snapshots_' || to_char(start_at AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
  PERFORM pg_advisory_xact_lock(hashtext(name));
  IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
  EXECUTE format('CREATE TABLE %I (LIKE snapshots INCLUDING DEFAULTS)', name);
  EXECUTE format(
    'WITH moved AS (DELETE FROM snapshots_default WHERE scanned_at >= %L AND scanned_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
    start_at, end_at, name);
  EXECUTE format('ALTER TABLE snapshots ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, start_at, end_at);
END $$;

-- The hot current state of each host: what lists and rule evaluation read.
CREATE TABLE host_status (
  host_id uuid PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  snapshot_id uuid NOT NULL,
  scanned_at timestamptz(3) NOT NULL,
  reachable boolean NOT NULL,
  consecutive_unreachable integer NOT NULL DEFAULT 0,
  grade text,
  not_after timestamptz(3),
  fingerprint text,
  handshake_ms real,
  -- The facts rules read (chain, hostname match, protocols, OCSP…), kept small.
  facts jsonb NOT NULL
);

-- Certificates deduplicated by fingerprint: one certificate on forty hosts is one renewal.
CREATE TABLE certificates (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  fingerprint text NOT NULL,
  subject text NOT NULL,
  issuer text NOT NULL,
  issuer_cn text,
  sans text[] NOT NULL,
  serial text NOT NULL,
  not_before timestamptz(3) NOT NULL,
  not_after timestamptz(3) NOT NULL,
  key_algorithm text NOT NULL,
  key_bits integer,
  signature_algorithm text NOT NULL,
  first_seen timestamptz(3) NOT NULL,
  last_seen timestamptz(3) NOT NULL,
  PRIMARY KEY (workspace_id, fingerprint)
);
CREATE INDEX certificates_expiry ON certificates (workspace_id, not_after);
CREATE TABLE host_certificates (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  host_id uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  fingerprint text NOT NULL,
  first_seen timestamptz(3) NOT NULL,
  last_seen timestamptz(3) NOT NULL,
  PRIMARY KEY (host_id, fingerprint),
  FOREIGN KEY (workspace_id, fingerprint) REFERENCES certificates (workspace_id, fingerprint) ON DELETE CASCADE
);

CREATE TABLE alert_rules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- {kind, ...params}; validated by shared/src/alert-rules.ts.
  predicate jsonb NOT NULL,
  -- {kind: 'all'} | {kind: 'tag', tag} | {kind: 'host', hostId}
  scope jsonb NOT NULL,
  severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  -- Flapping suppression: consecutive results needed before opening / resolving.
  open_after integer NOT NULL DEFAULT 1 CHECK (open_after BETWEEN 1 AND 100),
  resolve_after integer NOT NULL DEFAULT 1 CHECK (resolve_after BETWEEN 1 AND 100),
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, name)
);

-- Per rule and host: the current result and how many evaluations in a row gave it.
CREATE TABLE rule_states (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  rule_id uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  host_id uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  result boolean NOT NULL,
  streak integer NOT NULL,
  evaluated_at timestamptz(3) NOT NULL,
  PRIMARY KEY (rule_id, host_id)
);

CREATE TABLE alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  rule_id uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  host_id uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  severity text NOT NULL,
  summary text NOT NULL,
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
  opened_at timestamptz(3) NOT NULL,
  resolved_at timestamptz(3),
  acknowledged_at timestamptz(3),
  acknowledged_by text,
  ack_note text,
  -- True while a snooze or maintenance window covered it when it opened: no notification.
  suppressed boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (rule_id, host_id) WHERE state = 'open';
CREATE INDEX alerts_list ON alerts (workspace_id, opened_at DESC, id);

CREATE TABLE snoozes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  host_id uuid REFERENCES hosts (id) ON DELETE CASCADE,
  rule_id uuid REFERENCES alert_rules (id) ON DELETE CASCADE,
  until timestamptz(3) NOT NULL,
  reason text,
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (host_id IS NOT NULL OR rule_id IS NOT NULL)
);

CREATE TABLE maintenance_windows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL,
  -- Hosts covered: explicit ids and/or any host with one of the tags.
  host_ids uuid[] NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3) NOT NULL CHECK (ends_at > starts_at),
  -- NULL: once. Otherwise the window repeats every N days from starts_at.
  repeat_days integer CHECK (repeat_days BETWEEN 1 AND 366),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);

-- Ingest loss reports from agents (spool overflow): recorded once by id.
CREATE TABLE agent_losses (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  dropped integer NOT NULL,
  reason text NOT NULL,
  oldest_scanned_at timestamptz(3),
  newest_scanned_at timestamptz(3),
  recorded_at timestamptz(3) NOT NULL DEFAULT now()
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['enrollment_tokens', 'agents', 'hosts', 'snapshots', 'host_status', 'certificates',
    'host_certificates', 'alert_rules', 'rule_states', 'alerts', 'snoozes', 'maintenance_windows', 'agent_losses']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (workspace_id = vigilo_workspace())', t || '_tenant', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO vigilo_app', t);
  END LOOP;
END $$;

-- Scheduled jobs (not tenant data): a job runs when due, under this row's lock, held by the
-- running transaction. Several server processes race for it; one runs it. A process that dies
-- mid-run aborts its transaction, the row is unchanged, and the job is picked up again.
CREATE TABLE job_runs (
  name text PRIMARY KEY,
  last_started_at timestamptz(3),
  last_finished_at timestamptz(3),
  last_error text,
  runs bigint NOT NULL DEFAULT 0
);
