-- Incidents with their timelines and links, tasks and projects (issue 12). Tenant tables like
-- 0002/0004: workspace_id on every row, FORCE row security, grants to vigilo_app only for what
-- the domain modules do (server/src/incidents/, server/src/work/).
--
-- People (commander, assignee, owner) are user ids without a foreign key: whether someone may
-- hold the role is a membership question the domain answers when the value is written
-- (server/src/workspaces/member-check.ts); a key to users would also make deleting a user, which
-- runs outside any workspace, update these replicated rows with no workspace set.
-- Change ids (tasks.change_id, incident_links of type change) have no foreign key either: the
-- changes table belongs to the change module (0009), which keeps the freedom to reshape it; the
-- domain checks a change id exists, under row security, when it is linked.

CREATE TABLE incidents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  summary text NOT NULL DEFAULT '' CHECK (length(summary) <= 10000),
  severity text NOT NULL CHECK (severity IN ('SEV1', 'SEV2', 'SEV3', 'SEV4')),
  state text NOT NULL DEFAULT 'investigating'
    CHECK (state IN ('investigating', 'identified', 'monitoring', 'resolved', 'closed')),
  commander_id uuid,
  opened_by text NOT NULL,
  opened_at timestamptz(3) NOT NULL,
  resolved_at timestamptz(3),
  closed_at timestamptz(3),
  updated_at timestamptz(3) NOT NULL,
  -- The postmortem, written once the incident is resolved; its follow-up actions are tasks.
  postmortem_summary text CHECK (length(postmortem_summary) BETWEEN 1 AND 20000),
  postmortem_root_cause text CHECK (length(postmortem_root_cause) BETWEEN 1 AND 20000),
  postmortem_by text,
  postmortem_at timestamptz(3),
  -- The state machine (shared/src/incident-states.ts) closes only resolved incidents, so every
  -- resolved or closed incident has its resolution time, and only those.
  CHECK ((state IN ('resolved', 'closed')) = (resolved_at IS NOT NULL)),
  CHECK ((state = 'closed') = (closed_at IS NOT NULL)),
  CHECK ((postmortem_at IS NULL) = (postmortem_summary IS NULL))
);
CREATE INDEX incidents_list ON incidents (workspace_id, opened_at DESC, id);

-- What happened, in order: written by the domain functions in the transaction of each change
-- (opened, transitioned, updated, linked, postmortem) and by people (notes). Append-only: the
-- app may insert and read, never edit. A note's id is the client's (a desktop writes it offline
-- under that id), so it is unique per workspace, like comments (0006).
CREATE TABLE incident_timeline (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('opened', 'transitioned', 'updated', 'note', 'linked', 'postmortem')),
  -- A note's text, or the words given with a transition.
  body text CHECK (length(body) BETWEEN 1 AND 4000),
  detail jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(detail) = 'object'),
  actor text NOT NULL,
  at timestamptz(3) NOT NULL,
  -- Orders entries written at the same instant (an incident opened with its links) as written.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (workspace_id, id),
  CHECK (kind <> 'note' OR body IS NOT NULL)
);
CREATE INDEX incident_timeline_of ON incident_timeline (workspace_id, incident_id, at, seq);

-- The hosts, alerts and changes an incident concerns. One table for all three, so the desktop
-- finds an alert's incidents and an incident's alerts from the same replicated rows.
CREATE TABLE incident_links (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  target_type text NOT NULL CHECK (target_type IN ('host', 'alert', 'change')),
  target_id uuid NOT NULL,
  linked_by text NOT NULL,
  linked_at timestamptz(3) NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, incident_id, target_type, target_id)
);
CREATE INDEX incident_links_target ON incident_links (workspace_id, target_type, target_id);

CREATE TABLE projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
  owner_id uuid,
  starts_at timestamptz(3),
  ends_at timestamptz(3),
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  UNIQUE (workspace_id, name),
  CHECK (ends_at >= starts_at)
);

CREATE TABLE tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
  status text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'done', 'cancelled')),
  assignee_id uuid,
  due_at timestamptz(3),
  incident_id uuid REFERENCES incidents (id) ON DELETE SET NULL,
  -- A removed project leaves its tasks (the domain detaches them first, with the audit row).
  project_id uuid REFERENCES projects (id) ON DELETE SET NULL,
  change_id uuid,
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  completed_at timestamptz(3),
  CHECK ((status = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX tasks_list ON tasks (workspace_id, created_at, id);
CREATE INDEX tasks_project ON tasks (project_id) WHERE project_id IS NOT NULL;
CREATE INDEX tasks_incident ON tasks (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX tasks_change ON tasks (workspace_id, change_id) WHERE change_id IS NOT NULL;

ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE incidents FORCE ROW LEVEL SECURITY;
CREATE POLICY incidents_tenant ON incidents USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE ON incidents TO vigilo_app;

ALTER TABLE incident_timeline ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_timeline FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_timeline_tenant ON incident_timeline USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON incident_timeline TO vigilo_app;

ALTER TABLE incident_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_links FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_links_tenant ON incident_links USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON incident_links TO vigilo_app;

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON projects USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO vigilo_app;

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tasks_tenant ON tasks USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON tasks TO vigilo_app;

-- Replicated to desktops (server/src/sync/tables.ts), whole rows.
CREATE TRIGGER incidents_sync AFTER INSERT OR UPDATE OR DELETE ON incidents
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER incident_timeline_sync AFTER INSERT OR UPDATE OR DELETE ON incident_timeline
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER incident_links_sync AFTER INSERT OR UPDATE OR DELETE ON incident_links
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER projects_sync AFTER INSERT OR UPDATE OR DELETE ON projects
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER tasks_sync AFTER INSERT OR UPDATE OR DELETE ON tasks
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
