-- A change planned in a stretch when nobody would be paged for one of its hosts collides with the
-- on-call schedules (issue 15): a new collision kind (shared/src/change-calendar.ts, COLLISION_KINDS).
ALTER TABLE change_collisions DROP CONSTRAINT change_collisions_kind_check;
ALTER TABLE change_collisions ADD CONSTRAINT change_collisions_kind_check CHECK (kind IN ('host_overlap',
  'outside_maintenance_window', 'certificate_expires_first', 'open_problem', 'freeze_window', 'no_oncall_coverage'));
