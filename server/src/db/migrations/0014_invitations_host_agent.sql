-- Invitations, and host → agent links kept inside one workspace (issue 10).
--
-- members.add used to look the email up among every user of the server and answer "no user with
-- that email" otherwise: any admin (and anyone can create a workspace and be its admin) could
-- tell which emails have an account here. Now every email gets the same answer, an invitation,
-- which becomes a membership when its invitee next reaches the workspace
-- (server/src/workspaces/invitations.ts).
CREATE TABLE invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
  role text NOT NULL CHECK (role IN ('viewer', 'member', 'approver', 'admin', 'owner', 'auditor')),
  -- When the membership it grants ends (the auditor role is time-boxed), as on memberships.
  expires_at timestamptz(3),
  invited_at timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (role <> 'auditor' OR expires_at IS NOT NULL)
);
CREATE UNIQUE INDEX invitations_email ON invitations (workspace_id, lower(email));
CREATE INDEX invitations_invitee ON invitations (lower(email));
-- A directory table like memberships: the owner finds a signed-in user's invitations before any
-- workspace is set, so row security binds vigilo_app but is not forced on the owner.
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant ON invitations USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, DELETE ON invitations TO vigilo_app;

-- hosts.agent_id referenced any agent, so hosts.update could store another tenant's agent id.
-- The API checks the agent in the workspace since 4cd45d7; this key makes the database refuse
-- it too (two layers). Links already made across workspaces are cleared first, one workspace at
-- a time with its workspace set, so row security (forced on both tables) shows each pass only
-- its own rows and the change log records each cleared link for the replicas.
DO $$
DECLARE
  ws uuid;
BEGIN
  FOR ws IN SELECT id FROM workspaces LOOP
    PERFORM set_config('vigilo.workspace_id', ws::text, true);
    UPDATE hosts h SET agent_id = NULL
    WHERE h.workspace_id = ws AND h.agent_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = h.agent_id AND a.workspace_id = h.workspace_id);
  END LOOP;
  PERFORM set_config('vigilo.workspace_id', '', true);
END $$;
ALTER TABLE agents ADD CONSTRAINT agents_workspace_id_id_key UNIQUE (workspace_id, id);
ALTER TABLE hosts DROP CONSTRAINT hosts_agent_id_fkey;
-- Removing an agent unassigns its hosts, as before; only agent_id is cleared (PostgreSQL 15+).
ALTER TABLE hosts ADD CONSTRAINT hosts_agent_same_workspace FOREIGN KEY (workspace_id, agent_id)
  REFERENCES agents (workspace_id, id) ON DELETE SET NULL (agent_id);
