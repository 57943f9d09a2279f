-- An SLO may name the escalation policy its burn-rate alerts page (server/src/oncall/
-- escalation-engine.ts). Without one, an SLO alert routes like any other: by its host's tags, or,
-- for an SLO over a tag (an alert with no host), by that tag's route.
--
-- The key names the workspace too, as hosts → agents does (0014): the API checks the policy in the
-- workspace, and the database refuses another tenant's policy whatever the code does (two
-- layers; a plain key check bypasses row security). Removing the policy clears only the column,
-- so the SLO's alerts fall back to the tag route, as routes to it lose their policy (0019).
-- slos keeps its forced row security and grants (0018); the new column is under both.
ALTER TABLE escalation_policies ADD CONSTRAINT escalation_policies_workspace_id_id_key UNIQUE (workspace_id, id);
ALTER TABLE slos ADD COLUMN escalation_policy_id uuid;
ALTER TABLE slos ADD CONSTRAINT slos_policy_same_workspace FOREIGN KEY (workspace_id, escalation_policy_id)
  REFERENCES escalation_policies (workspace_id, id) ON DELETE SET NULL (escalation_policy_id);
