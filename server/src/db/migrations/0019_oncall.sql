-- On-call (issue 15): schedules of rotation layers with overrides, escalation policies, the routes
-- from alert rules and host tags to a policy and to channels, and the escalations that run on
-- durable timers. Tenant tables like 0013/0015: workspace_id on every row, FORCE row security,
-- grants to vigilo_app only for what server/src/oncall/ does. Members and paged people are user
-- ids without a key, as in 0010/0013: membership is a question the domain answers on write.
-- The rotation math reads these rows as shared/src/rotation.ts describes them.

CREATE TABLE schedules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  UNIQUE (workspace_id, name)
);

-- One rotation: members take turns of a wall-clock length in the layer's zone, handing off at
-- handoff_time local, phase anchored on the local date of starts_at.
CREATE TABLE schedule_layers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  schedule_id uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  level integer NOT NULL CHECK (level BETWEEN 0 AND 100),
  member_ids uuid[] NOT NULL CHECK (cardinality(member_ids) BETWEEN 1 AND 50),
  length_kind text NOT NULL CHECK (length_kind IN ('daily', 'weekly', 'hours')),
  length_hours integer CHECK (length_hours BETWEEN 1 AND 672),
  handoff_time text NOT NULL CHECK (handoff_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3),
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  CHECK ((length_kind = 'hours') = (length_hours IS NOT NULL)),
  CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX schedule_layers_schedule ON schedule_layers (workspace_id, schedule_id);

-- Someone covers a range, whatever the layers say; a later override wins where two overlap.
CREATE TABLE schedule_overrides (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  schedule_id uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3) NOT NULL,
  reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  created_by text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX schedule_overrides_schedule ON schedule_overrides (workspace_id, schedule_id, ends_at);

-- Steps: [{targets: [{kind, …}], waitMinutes}] as shared/src/oncall.ts validates them; repeated
-- repeat_count more times after the last step until someone acknowledges.
CREATE TABLE escalation_policies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  steps jsonb NOT NULL CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) BETWEEN 1 AND 20),
  repeat_count integer NOT NULL DEFAULT 0 CHECK (repeat_count BETWEEN 0 AND 10),
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  UNIQUE (workspace_id, name)
);

-- Where an alert goes beyond the channels' event subscriptions: per alert rule, or per host tag,
-- an escalation policy and/or channels that receive the alert's open, acknowledge and resolve.
-- A rule's route wins over a tag's for the policy; channels of every matching route are used.
CREATE TABLE alert_routes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  rule_id uuid REFERENCES alert_rules (id) ON DELETE CASCADE,
  tag text CHECK (length(tag) BETWEEN 1 AND 64),
  policy_id uuid REFERENCES escalation_policies (id) ON DELETE SET NULL,
  channel_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(channel_ids) <= 20),
  updated_at timestamptz(3) NOT NULL,
  CHECK ((rule_id IS NULL) <> (tag IS NULL)),
  UNIQUE (workspace_id, rule_id),
  UNIQUE (workspace_id, tag)
);

-- One escalation per alert. The timer is next_fire_at: claimed FOR UPDATE SKIP LOCKED by
-- whichever server process looks first, so a step fires once across processes and survives a
-- restart. The policy's steps are copied at start, so editing the policy does not change a page
-- in flight.
CREATE TABLE escalations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  alert_id uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  policy_id uuid REFERENCES escalation_policies (id) ON DELETE SET NULL,
  policy_name text NOT NULL,
  steps jsonb NOT NULL,
  repeat_count integer NOT NULL,
  state text NOT NULL CHECK (state IN ('active', 'acknowledged', 'resolved', 'exhausted')),
  -- The step to fire next and the round it belongs to (0 first time through).
  next_step integer NOT NULL DEFAULT 0,
  round integer NOT NULL DEFAULT 0,
  next_fire_at timestamptz(3),
  started_at timestamptz(3) NOT NULL,
  stopped_at timestamptz(3),
  stopped_by text,
  UNIQUE (workspace_id, alert_id),
  CHECK ((state = 'active') = (next_fire_at IS NOT NULL))
);
-- The timer scan: active escalations by due time, across workspaces (the owner's job).
CREATE INDEX escalations_due ON escalations (next_fire_at) WHERE state = 'active';

-- Every page: a person (a schedule's on-call, or a named member) or a channel. What the desktop
-- of the paged person raises as an OS notification.
CREATE TABLE escalation_pages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  escalation_id uuid NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
  alert_id uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  step integer NOT NULL,
  round integer NOT NULL,
  user_id uuid,
  channel_id uuid,
  schedule_id uuid,
  summary text NOT NULL,
  paged_at timestamptz(3) NOT NULL,
  CHECK ((user_id IS NULL) <> (channel_id IS NULL))
);
CREATE INDEX escalation_pages_user ON escalation_pages (workspace_id, user_id, paged_at DESC);
CREATE INDEX escalation_pages_alert ON escalation_pages (workspace_id, alert_id);

-- The escalation consumer's place in each workspace's event log lives in event_cursors (0002)
-- under consumer 'escalation', like the dispatcher's.

ALTER TABLE schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY schedules_tenant ON schedules USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON schedules TO vigilo_app;

ALTER TABLE schedule_layers ENABLE ROW LEVEL SECURITY;
ALTER TABLE schedule_layers FORCE ROW LEVEL SECURITY;
CREATE POLICY schedule_layers_tenant ON schedule_layers USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON schedule_layers TO vigilo_app;

ALTER TABLE schedule_overrides ENABLE ROW LEVEL SECURITY;
ALTER TABLE schedule_overrides FORCE ROW LEVEL SECURITY;
CREATE POLICY schedule_overrides_tenant ON schedule_overrides USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, DELETE ON schedule_overrides TO vigilo_app;

ALTER TABLE escalation_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE escalation_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY escalation_policies_tenant ON escalation_policies USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON escalation_policies TO vigilo_app;

ALTER TABLE alert_routes ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_routes FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_routes_tenant ON alert_routes USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON alert_routes TO vigilo_app;

ALTER TABLE escalations ENABLE ROW LEVEL SECURITY;
ALTER TABLE escalations FORCE ROW LEVEL SECURITY;
CREATE POLICY escalations_tenant ON escalations USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE ON escalations TO vigilo_app;

ALTER TABLE escalation_pages ENABLE ROW LEVEL SECURITY;
ALTER TABLE escalation_pages FORCE ROW LEVEL SECURITY;
CREATE POLICY escalation_pages_tenant ON escalation_pages USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT ON escalation_pages TO vigilo_app;

-- Replicated to desktops (server/src/sync/tables.ts, permission 'read'): the On-call page works
-- from the replica, and a page for me raises the OS notification. Escalations' timers are not
-- replicated (the pages and the alert say what happened).
CREATE TRIGGER schedules_sync AFTER INSERT OR UPDATE OR DELETE ON schedules
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER schedule_layers_sync AFTER INSERT OR UPDATE OR DELETE ON schedule_layers
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER schedule_overrides_sync AFTER INSERT OR UPDATE OR DELETE ON schedule_overrides
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER escalation_policies_sync AFTER INSERT OR UPDATE OR DELETE ON escalation_policies
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER alert_routes_sync AFTER INSERT OR UPDATE OR DELETE ON alert_routes
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER escalation_pages_sync AFTER INSERT OR UPDATE OR DELETE ON escalation_pages
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
