-- The risk register and vendor risk (issue 13). Tenant tables like 0002/0004: workspace_id on
-- every row, FORCE row security, grants to vigilo_app only for what server/src/compliance/risks/
-- and vendors/ do. Depends on 0001–0010 only (hosts, tasks); controls belong to another module, so
-- a risk's control ids are kept without a foreign key. Owners are user ids without a key, as in
-- 0010: whether someone may own a risk is a membership question the domain answers on write.

CREATE TABLE vendors (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
  tier text NOT NULL CHECK (tier IN ('critical', 'high', 'medium', 'low')),
  owner_id uuid,
  services text[] NOT NULL DEFAULT '{}',
  data_held text[] NOT NULL DEFAULT '{}',
  contract_start timestamptz(3),
  renewal_date timestamptz(3),
  contract_end timestamptz(3),
  -- How long before the renewal date it is announced (vendor.renewal_due, renewalDue).
  renewal_notice_days integer NOT NULL DEFAULT 60 CHECK (renewal_notice_days BETWEEN 1 AND 365),
  -- The renewal date already announced by the scheduler, so each renewal is announced once.
  renewal_announced_for timestamptz(3),
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  UNIQUE (workspace_id, name),
  CHECK (renewal_date IS NULL OR contract_start IS NULL OR renewal_date >= contract_start),
  CHECK (contract_end IS NULL OR contract_start IS NULL OR contract_end >= contract_start)
);

-- A vendor's monitored endpoints: hosts whose grades show on the vendor.
CREATE TABLE vendor_hosts (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- Its own id, so the desktop replica can follow a link row (and its removal).
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  vendor_id uuid NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
  host_id uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, vendor_id, host_id)
);

-- Questionnaires: [{id, text, weight, type}] (shared/src/vendor-assessment.ts). Never edited once
-- made, and each assessment keeps its own copy of the questions it was answered against.
CREATE TABLE assessment_templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  questions jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array'),
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  UNIQUE (workspace_id, name)
);

-- One assessment per vendor per period ('2026', '2026-H1'…); recorded once with its answers.
CREATE TABLE vendor_assessments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  vendor_id uuid NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
  template_id uuid REFERENCES assessment_templates (id) ON DELETE SET NULL,
  period text NOT NULL CHECK (period ~ '^[0-9A-Za-z-]{1,20}$'),
  questions jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array'),
  answers jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(answers) = 'object'),
  score integer CHECK (score BETWEEN 0 AND 100),
  findings text NOT NULL DEFAULT '' CHECK (length(findings) <= 20000),
  outcome text CHECK (outcome IN ('approved', 'approved_with_conditions', 'rejected')),
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  completed_by text,
  completed_at timestamptz(3),
  UNIQUE (workspace_id, vendor_id, period),
  CHECK ((completed_at IS NULL) = (outcome IS NULL) AND (completed_at IS NULL) = (score IS NULL))
);
CREATE INDEX vendor_assessments_vendor ON vendor_assessments (workspace_id, vendor_id, completed_at DESC);

CREATE TABLE risks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
  category text NOT NULL CHECK (length(category) BETWEEN 1 AND 100),
  owner_id uuid,
  likelihood integer NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
  impact integer NOT NULL CHECK (impact BETWEEN 1 AND 5),
  residual_likelihood integer CHECK (residual_likelihood BETWEEN 1 AND 5),
  residual_impact integer CHECK (residual_impact BETWEEN 1 AND 5),
  treatment text CHECK (treatment IN ('accept', 'mitigate', 'transfer', 'avoid')),
  treatment_plan text NOT NULL DEFAULT '' CHECK (length(treatment_plan) <= 20000),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'treating', 'accepted', 'closed')),
  review_date timestamptz(3),
  -- The review date already announced by the scheduler (risk.review_due), so it is announced once.
  review_announced_for timestamptz(3),
  -- Live signals: this many within this many days (since the last assessment) flag the risk.
  signal_threshold integer NOT NULL DEFAULT 3 CHECK (signal_threshold BETWEEN 1 AND 100),
  signal_period_days integer NOT NULL DEFAULT 30 CHECK (signal_period_days BETWEEN 1 AND 365),
  needs_reassessment boolean NOT NULL DEFAULT false,
  flagged_at timestamptz(3),
  assessed_at timestamptz(3) NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  CHECK ((residual_likelihood IS NULL) = (residual_impact IS NULL))
);
CREATE INDEX risks_list ON risks (workspace_id, created_at DESC, id);

-- What a risk concerns. Hosts and vendors with keys (their removal unlinks them); controls by id
-- only (another module's table, which may come later).
CREATE TABLE risk_hosts (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- Its own id, so the desktop replica can follow a link row (and its removal).
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
  host_id uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, risk_id, host_id)
);
-- The signal consumer asks "which risks concern these hosts" for every alert, incident, change.
CREATE INDEX risk_hosts_host ON risk_hosts (workspace_id, host_id);

CREATE TABLE risk_vendors (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- Its own id, so the desktop replica can follow a link row (and its removal).
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
  vendor_id uuid NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, risk_id, vendor_id)
);
CREATE INDEX risk_vendors_vendor ON risk_vendors (workspace_id, vendor_id);

CREATE TABLE risk_controls (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- Its own id, so the desktop replica can follow a link row (and its removal).
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
  control_id uuid NOT NULL,
  PRIMARY KEY (workspace_id, risk_id, control_id)
);

-- The treatment's tasks (0010's tasks, linked here; a removed task unlinks itself).
CREATE TABLE risk_tasks (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- Its own id, so the desktop replica can follow a link row (and its removal).
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
  task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, risk_id, task_id)
);

-- Status and rating history, written by the domain with every change. Append-only for the app.
CREATE TABLE risk_history (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('created', 'status', 'assessed', 'flagged')),
  from_status text,
  to_status text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
  actor text NOT NULL,
  at timestamptz(3) NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX risk_history_of ON risk_history (workspace_id, risk_id, at, seq);

-- Live signals: an incident, a failed change or a critical alert on a linked host. One per risk
-- and source (an incident linked to two of a risk's hosts is one signal).
CREATE TABLE risk_signals (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  risk_id uuid NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('incident', 'failed_change', 'critical_alert')),
  source_id uuid NOT NULL,
  host_id uuid NOT NULL,
  summary text NOT NULL DEFAULT '' CHECK (length(summary) <= 500),
  at timestamptz(3) NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, risk_id, kind, source_id)
);
CREATE INDEX risk_signals_of ON risk_signals (workspace_id, risk_id, at DESC);

ALTER TABLE vendors ENABLE ROW LEVEL SECURITY;
ALTER TABLE vendors FORCE ROW LEVEL SECURITY;
CREATE POLICY vendors_tenant ON vendors USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON vendors TO vigilo_app;

ALTER TABLE vendor_hosts ENABLE ROW LEVEL SECURITY;
ALTER TABLE vendor_hosts FORCE ROW LEVEL SECURITY;
CREATE POLICY vendor_hosts_tenant ON vendor_hosts USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, DELETE ON vendor_hosts TO vigilo_app;

ALTER TABLE assessment_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE assessment_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY assessment_templates_tenant ON assessment_templates USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON assessment_templates TO vigilo_app;

ALTER TABLE vendor_assessments ENABLE ROW LEVEL SECURITY;
ALTER TABLE vendor_assessments FORCE ROW LEVEL SECURITY;
CREATE POLICY vendor_assessments_tenant ON vendor_assessments USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE ON vendor_assessments TO vigilo_app;

ALTER TABLE risks ENABLE ROW LEVEL SECURITY;
ALTER TABLE risks FORCE ROW LEVEL SECURITY;
CREATE POLICY risks_tenant ON risks USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON risks TO vigilo_app;

ALTER TABLE risk_hosts ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_hosts FORCE ROW LEVEL SECURITY;
CREATE POLICY risk_hosts_tenant ON risk_hosts USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, DELETE ON risk_hosts TO vigilo_app;

ALTER TABLE risk_vendors ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_vendors FORCE ROW LEVEL SECURITY;
CREATE POLICY risk_vendors_tenant ON risk_vendors USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, DELETE ON risk_vendors TO vigilo_app;

ALTER TABLE risk_controls ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_controls FORCE ROW LEVEL SECURITY;
CREATE POLICY risk_controls_tenant ON risk_controls USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, DELETE ON risk_controls TO vigilo_app;

ALTER TABLE risk_tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY risk_tasks_tenant ON risk_tasks USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, DELETE ON risk_tasks TO vigilo_app;

ALTER TABLE risk_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_history FORCE ROW LEVEL SECURITY;
CREATE POLICY risk_history_tenant ON risk_history USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON risk_history TO vigilo_app;

ALTER TABLE risk_signals ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_signals FORCE ROW LEVEL SECURITY;
CREATE POLICY risk_signals_tenant ON risk_signals USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON risk_signals TO vigilo_app;

-- Replicated to desktops (server/src/sync/tables.ts, permission 'audit'). The scheduler's
-- "announced" markers are left out: announcing a date changes nothing a reader sees.
CREATE TRIGGER vendors_sync AFTER INSERT OR UPDATE OR DELETE ON vendors
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id', 'renewal_announced_for');
CREATE TRIGGER assessment_templates_sync AFTER INSERT OR UPDATE OR DELETE ON assessment_templates
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER vendor_assessments_sync AFTER INSERT OR UPDATE OR DELETE ON vendor_assessments
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER risks_sync AFTER INSERT OR UPDATE OR DELETE ON risks
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id', 'review_announced_for');
CREATE TRIGGER risk_history_sync AFTER INSERT OR UPDATE OR DELETE ON risk_history
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER risk_signals_sync AFTER INSERT OR UPDATE OR DELETE ON risk_signals
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER vendor_hosts_sync AFTER INSERT OR UPDATE OR DELETE ON vendor_hosts
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER risk_hosts_sync AFTER INSERT OR UPDATE OR DELETE ON risk_hosts
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER risk_vendors_sync AFTER INSERT OR UPDATE OR DELETE ON risk_vendors
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER risk_controls_sync AFTER INSERT OR UPDATE OR DELETE ON risk_controls
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER risk_tasks_sync AFTER INSERT OR UPDATE OR DELETE ON risk_tasks
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
