-- Snapshot month partitions under concurrency. 0004's function serialised creators with an
-- advisory lock and then re-checked to_regclass(), but taking an advisory lock does not make a
-- session read the catalog changes committed meanwhile: the waiter still saw "no such table",
-- ran CREATE TABLE and failed with "already exists" (a 500 for the first batches of every new
-- month when several arrive at once). A lock on the parent table does read them (relation locks
-- process invalidations), and SHARE UPDATE EXCLUSIVE serialises creators without blocking the
-- inserts that keep flowing into existing partitions. A lost race that still slips through is
-- the other session's committed work: the table exists and is attached, so it is not an error.
CREATE OR REPLACE FUNCTION vigilo_ensure_snapshot_partition(at timestamptz) RETURNS void
  LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
  start_at timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  end_at timestamptz := start_at + interval '1 month';
  name text := 'snapshots_' || to_char(start_at AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
  LOCK TABLE snapshots IN SHARE UPDATE EXCLUSIVE MODE;
  IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
  BEGIN
    EXECUTE format('CREATE TABLE %I (LIKE snapshots INCLUDING DEFAULTS)', name);
  EXCEPTION WHEN duplicate_table THEN
    RETURN;
  END;
  EXECUTE format(
    'WITH moved AS (DELETE FROM snapshots_default WHERE scanned_at >= %L AND scanned_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
    start_at, end_at, name);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', 'snapshots', name, start_at, end_at);
END $$;
