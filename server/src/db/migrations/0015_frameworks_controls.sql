-- Frameworks, controls and evidence (issue 13). Tenant tables like 0002/0004: workspace_id on
-- every row, FORCE row security, grants to vigilo_app only for what server/src/compliance/
-- frameworks/ and controls/ do. Depends on nothing after 0010.
--
-- Frameworks are per workspace, not instance rows: an admin's import is their workspace's alone,
-- and the desktop replica gets the catalogue it draws coverage from like any other table. Every
-- workspace gets the shipped NIST CSF 2.0 when it is created (workspaces/create.ts), and a
-- workspace older than this migration gets it on its first frameworks call or the next
-- evidence job (compliance/frameworks/builtin.ts).
CREATE TABLE frameworks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  key text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  version text NOT NULL CHECK (length(version) BETWEEN 1 AND 50),
  publisher text CHECK (length(publisher) <= 300),
  url text CHECK (length(url) <= 2000),
  builtin boolean NOT NULL DEFAULT false,
  imported_at timestamptz(3) NOT NULL,
  UNIQUE (workspace_id, key)
);

-- A requirement of a framework: a CSF function, category or subcategory. Leaves are what controls
-- map to and coverage counts; top_ref is the top-level ancestor coverage is grouped by.
CREATE TABLE framework_requirements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  framework_id uuid NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
  ref text NOT NULL CHECK (length(ref) BETWEEN 1 AND 64),
  parent_ref text,
  top_ref text NOT NULL,
  leaf boolean NOT NULL,
  position integer NOT NULL,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  -- {"soc2": ["CC6.1"], "iso27001": ["A.8.24"]}: identifiers checked on import.
  mappings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(mappings) = 'object'),
  UNIQUE (framework_id, ref)
);
CREATE INDEX framework_requirements_order ON framework_requirements (workspace_id, framework_id, position);

CREATE TABLE controls (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
  owner_id uuid REFERENCES users (id) ON DELETE SET NULL,
  status text NOT NULL CHECK (status IN ('not_implemented', 'partial', 'implemented')),
  -- No evidence is current (none, not yet effective, or expired). Kept by evidence.add/remove and
  -- by the evidence job as time passes, so the flip is recorded and replicated with its event.
  needs_evidence boolean NOT NULL DEFAULT true,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL
);

CREATE TABLE control_requirements (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- Its own id, so the desktop replica can follow a mapping row (and its removal).
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  control_id uuid NOT NULL REFERENCES controls (id) ON DELETE CASCADE,
  requirement_id uuid NOT NULL REFERENCES framework_requirements (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, control_id, requirement_id)
);
CREATE INDEX control_requirements_requirement ON control_requirements (workspace_id, requirement_id);

-- Evidence metadata; a file's bytes are in evidence_files, which is not replicated.
CREATE TABLE evidence (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  control_id uuid NOT NULL REFERENCES controls (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('file', 'link')),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  url text CHECK (length(url) <= 2000),
  file_name text CHECK (length(file_name) BETWEEN 1 AND 255),
  media_type text CHECK (length(media_type) <= 255),
  size_bytes bigint CHECK (size_bytes >= 0),
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  effective_at timestamptz(3) NOT NULL,
  expires_at timestamptz(3),
  added_by uuid REFERENCES users (id) ON DELETE SET NULL,
  added_at timestamptz(3) NOT NULL,
  -- The scheduler's markers: the expiry already announced, and the reminder already sent.
  expiry_announced boolean NOT NULL DEFAULT false,
  reminder_announced boolean NOT NULL DEFAULT false,
  CHECK (expires_at IS NULL OR expires_at > effective_at),
  CHECK ((kind = 'link') = (url IS NOT NULL)),
  CHECK ((kind = 'file') = (sha256 IS NOT NULL AND size_bytes IS NOT NULL AND file_name IS NOT NULL))
);
CREATE INDEX evidence_control ON evidence (workspace_id, control_id);
CREATE INDEX evidence_expiry ON evidence (workspace_id, expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE evidence_files (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  evidence_id uuid PRIMARY KEY REFERENCES evidence (id) ON DELETE CASCADE,
  -- The cap (EVIDENCE_FILE_MAX_BYTES, 5 MB) is checked before the insert; this is the backstop.
  content bytea NOT NULL CHECK (length(content) <= 5242880)
);

ALTER TABLE frameworks ENABLE ROW LEVEL SECURITY;
ALTER TABLE frameworks FORCE ROW LEVEL SECURITY;
CREATE POLICY frameworks_tenant ON frameworks USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON frameworks TO vigilo_app;

ALTER TABLE framework_requirements ENABLE ROW LEVEL SECURITY;
ALTER TABLE framework_requirements FORCE ROW LEVEL SECURITY;
CREATE POLICY framework_requirements_tenant ON framework_requirements USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON framework_requirements TO vigilo_app;

ALTER TABLE controls ENABLE ROW LEVEL SECURITY;
ALTER TABLE controls FORCE ROW LEVEL SECURITY;
CREATE POLICY controls_tenant ON controls USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON controls TO vigilo_app;

ALTER TABLE control_requirements ENABLE ROW LEVEL SECURITY;
ALTER TABLE control_requirements FORCE ROW LEVEL SECURITY;
CREATE POLICY control_requirements_tenant ON control_requirements USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, DELETE ON control_requirements TO vigilo_app;

ALTER TABLE evidence ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_tenant ON evidence USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON evidence TO vigilo_app;

ALTER TABLE evidence_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence_files FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_files_tenant ON evidence_files USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, DELETE ON evidence_files TO vigilo_app;

-- Replicated to desktops (server/src/sync/tables.ts, permission 'audit'): everything but the
-- file bytes (evidence_files has no trigger) and the scheduler's announcement markers.
CREATE TRIGGER frameworks_sync AFTER INSERT OR UPDATE OR DELETE ON frameworks
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER framework_requirements_sync AFTER INSERT OR UPDATE OR DELETE ON framework_requirements
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER controls_sync AFTER INSERT OR UPDATE OR DELETE ON controls
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id', 'updated_at');
CREATE TRIGGER control_requirements_sync AFTER INSERT OR UPDATE OR DELETE ON control_requirements
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER evidence_sync AFTER INSERT OR UPDATE OR DELETE ON evidence
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id', 'expiry_announced', 'reminder_announced');
