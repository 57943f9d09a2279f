-- Shift-change announcements (issue 15, Rotations): how far each schedule's hand-offs have been
-- announced as schedule.shift_changed events, so each hand-off is announced once. A marker kept
-- apart from schedules: it moves every minute and must not replicate (schedules has a change-log
-- trigger) nor count as an edit of the schedule.
CREATE TABLE schedule_handoff_marks (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  schedule_id uuid PRIMARY KEY REFERENCES schedules (id) ON DELETE CASCADE,
  announced_until timestamptz(3) NOT NULL
);

ALTER TABLE schedule_handoff_marks ENABLE ROW LEVEL SECURITY;
ALTER TABLE schedule_handoff_marks FORCE ROW LEVEL SECURITY;
CREATE POLICY schedule_handoff_marks_tenant ON schedule_handoff_marks USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE ON schedule_handoff_marks TO vigilo_app;
