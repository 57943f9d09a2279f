-- Automated control tests (issue 13): their results and per-test settings. Tenant tables like
-- 0002/0004: workspace_id on every row, FORCE row security, grants to vigilo_app only for what
-- server/src/compliance/control-tests/ does. Reads no other compliance module's tables (those
-- tests check for their columns at run time), so it does not depend on their migrations.
--
-- One row per outcome, not per run: a scheduled evaluation that finds what the latest result
-- says (same status, same subjects) only moves its checked_at, so a test that passes all year is
-- one row, and the history is the list of changes. test_id is one of CONTROL_TESTS
-- (shared/src/control-tests.ts); no CHECK lists them, so adding a test needs no migration.
CREATE TABLE control_test_results (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  test_id text NOT NULL CHECK (test_id ~ '^[a-z_]{1,64}$'),
  status text NOT NULL CHECK (status IN ('pass', 'fail', 'not_applicable')),
  summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 1000),
  -- The rows the test looked at: [{type, id, ok, fields}], failing ones first, capped.
  subjects jsonb NOT NULL CHECK (jsonb_typeof(subjects) = 'array'),
  -- A fingerprint of status and subjects: an unchanged outcome is recognised without comparing JSON.
  outcome_hash text NOT NULL,
  -- When this outcome was first found, and when an evaluation last found it again.
  evaluated_at timestamptz(3) NOT NULL,
  checked_at timestamptz(3) NOT NULL,
  -- The task opened when the test started failing (openTaskOnFail); no foreign key, as tasks
  -- (0010) are the work module's and a removed task leaves the result as it was.
  task_id uuid,
  CHECK (checked_at >= evaluated_at)
);
CREATE INDEX control_test_results_latest ON control_test_results (workspace_id, test_id, evaluated_at DESC, id);

CREATE TABLE control_test_settings (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  test_id text NOT NULL CHECK (test_id ~ '^[a-z_]{1,64}$'),
  -- Open a task when the test goes from not failing to failing.
  open_task_on_fail boolean NOT NULL DEFAULT false,
  updated_at timestamptz(3) NOT NULL,
  PRIMARY KEY (workspace_id, test_id)
);

ALTER TABLE control_test_results ENABLE ROW LEVEL SECURITY;
ALTER TABLE control_test_results FORCE ROW LEVEL SECURITY;
CREATE POLICY control_test_results_tenant ON control_test_results USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE ON control_test_results TO vigilo_app;

ALTER TABLE control_test_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE control_test_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY control_test_settings_tenant ON control_test_settings USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE ON control_test_settings TO vigilo_app;

-- Replicated to desktops (server/src/sync/tables.ts, permission 'audit'). checked_at is left out:
-- a re-evaluation that only confirms a result writes nothing to the change log.
CREATE TRIGGER control_test_results_sync AFTER INSERT OR UPDATE OR DELETE ON control_test_results
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id', 'checked_at', 'outcome_hash');
CREATE TRIGGER control_test_settings_sync AFTER INSERT OR UPDATE OR DELETE ON control_test_settings
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'test_id');
