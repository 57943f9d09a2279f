-- Every host has an agent (issue 14). A workspace names its default agent, which takes the hosts
-- added without one. A column with a key rather than a field of the free-form `settings` JSON:
-- workspace.update replaces `settings` whole, and the key makes the database refuse another
-- workspace's agent and forget an agent that is deleted (revoking one clears it in
-- monitoring/agents/agent-records.ts). The workspaces row is replicated, so desktops know the
-- default offline too.
ALTER TABLE workspaces ADD COLUMN default_agent_id uuid;
ALTER TABLE workspaces ADD CONSTRAINT workspaces_default_agent FOREIGN KEY (id, default_agent_id)
  REFERENCES agents (workspace_id, id) ON DELETE SET NULL (default_agent_id);
GRANT UPDATE (default_agent_id) ON workspaces TO vigilo_app;

-- What an agent last said of its spool (snapshots waiting to be pushed), sent with its requests
-- (shared/src/agent-protocol.ts AGENT_HEADERS) and written with its last-seen mark.
ALTER TABLE agents ADD COLUMN spool_depth integer CHECK (spool_depth >= 0);
