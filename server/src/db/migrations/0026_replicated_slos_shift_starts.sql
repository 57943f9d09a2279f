-- Desktops keep SLOs and on-call shift starts in their replicas (server/src/sync/tables.ts,
-- permission 'read'): the SLO page and the inbox's burning-SLO strip read offline, and the member
-- whose shift starts gets an OS notification. Tenant tables like 0018 and 0019.

-- SLO definitions replicate; their last evaluation does not. The evaluation job rewrites good,
-- total, burn_rates and evaluated_at on every SLO every minute (slos.list reads them there), which
-- would put every SLO in the change log every minute: the trigger drops them, so an SLO replicates
-- when someone edits it.
CREATE TRIGGER slos_sync AFTER INSERT OR UPDATE OR DELETE ON slos
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id',
    'good', 'total', 'burn_rates', 'evaluated_at');

-- What replicas show of an SLO's state: a snapshot of its last evaluation that the evaluation job
-- (server/src/reliability/slo-snapshot.ts) rewrites only when it moved enough to show (the burn
-- alerts firing, the budget by a percentage point, a burn rate the pages show), or when it is an
-- hour old, so "as of" stays near the last evaluation without one change per SLO per minute.
-- Keyed by (workspace, SLO), so a snapshot can only name an SLO of its own workspace.
ALTER TABLE slos ADD CONSTRAINT slos_workspace_id_id_key UNIQUE (workspace_id, id);
CREATE TABLE slo_status (
  slo_id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  good bigint NOT NULL CHECK (good >= 0),
  total bigint NOT NULL CHECK (total >= good),
  budget_remaining double precision NOT NULL,
  -- The burn rate per window in minutes ({"5": …, "30": …, "60": …, "360": …}).
  burn_rates jsonb NOT NULL CHECK (jsonb_typeof(burn_rates) = 'object'),
  -- The burn-rate alerts firing (shared/src/slo.ts BURN_ALERTS): the SLO's state.
  firing text[] NOT NULL CHECK (firing <@ ARRAY['page', 'ticket']),
  evaluated_at timestamptz(3) NOT NULL,
  FOREIGN KEY (workspace_id, slo_id) REFERENCES slos (workspace_id, id) ON DELETE CASCADE
);

-- The latest shift start of each schedule that handed off to a member, written by the
-- shift-change job (server/src/oncall/shift-changes.ts) in the transaction of its
-- schedule.shift_changed event. One row per schedule: a replica that was away needs only the
-- shift running now, and the desktop notifies its member once per shift (shared/src/oncall.ts
-- shiftStartRowSchema is the row as both sides read it). Members are user ids without a key, as in
-- 0019; the schedule is keyed with its workspace, like a snapshot's SLO.
ALTER TABLE schedules ADD CONSTRAINT schedules_workspace_id_id_key UNIQUE (workspace_id, id);
CREATE TABLE shift_starts (
  schedule_id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  previous_user_id uuid,
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3) NOT NULL CHECK (ends_at > starts_at),
  FOREIGN KEY (workspace_id, schedule_id) REFERENCES schedules (workspace_id, id) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['slo_status', 'shift_starts']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (workspace_id = vigilo_workspace())', t || '_tenant', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO vigilo_app', t);
  END LOOP;
END $$;

CREATE TRIGGER slo_status_sync AFTER INSERT OR UPDATE OR DELETE ON slo_status
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'slo_id');
CREATE TRIGGER shift_starts_sync AFTER INSERT OR UPDATE OR DELETE ON shift_starts
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'schedule_id');

-- SLOs made before this migration are in no change log yet, and a trigger only sees rows as they
-- change (0005's gap, see server/test/migrations.test.ts): put each one in its workspace's log now,
-- with the trigger's columns and seqs taken under the workspace head, one workspace at a time with
-- its workspace set so forced row security shows each pass its own rows (the workspaces directory
-- is not forced: the loop reads it unbound). Their snapshots come with the evaluation job's next run.
DO $$
DECLARE
  ws uuid;
  n bigint;
  last_seq bigint;
BEGIN
  FOR ws IN SELECT id FROM workspaces ORDER BY id LOOP
    PERFORM set_config('vigilo.workspace_id', ws::text, true);
    SELECT count(*) INTO n FROM slos WHERE workspace_id = ws;
    CONTINUE WHEN n = 0;
    UPDATE workspace_heads SET change_seq = change_seq + n WHERE workspace_id = ws
      RETURNING change_seq INTO last_seq;
    INSERT INTO row_changes (workspace_id, seq, table_name, row_id, op, row)
      SELECT ws, last_seq - n + row_number() OVER (ORDER BY s.id), 'slos', s.id::text, 'upsert',
             to_jsonb(s) - ARRAY['good', 'total', 'burn_rates', 'evaluated_at']
      FROM slos s WHERE s.workspace_id = ws
      ON CONFLICT (workspace_id, table_name, row_id) DO NOTHING;
  END LOOP;
  PERFORM set_config('vigilo.workspace_id', '', true);
END $$;
