-- Change tracking per statement for the tables ingest writes on every batch (host_status,
-- certificates). 0005's row trigger ran for every updated row — two to_jsonb() calls, and for a
-- row whose replicated columns moved, an UPDATE of the workspace head and a row_changes upsert —
-- so a 100-host batch updated the one workspace_heads row up to 100 times and held its lock
-- through the rest of the transaction. These triggers see the statement's rows at once
-- (transition tables), keep only rows whose replicated columns changed (a re-scan that found the
-- same certificate does no change-log work at all), and advance the head once per statement and
-- workspace, by the number of changes, numbering them in key order.
--
-- The cursor guarantee of 0005 holds: the head row is still locked by the first change of the
-- transaction until commit, and each change still gets its own seq above every committed one.

CREATE TYPE vigilo_row_change AS (workspace_id uuid, row_id text, op text, row jsonb);

-- Arguments as vigilo_track_changes: the workspace column, the key column, the columns never
-- replicated. The transition tables must be named new_rows / old_rows.
CREATE FUNCTION vigilo_track_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ws_col text := TG_ARGV[0];
  key_col text := TG_ARGV[1];
  dropped text[] := coalesce(TG_ARGV[2:], '{}');
  changes vigilo_row_change[];
  wanted integer;
  advanced integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(ROW((r ->> ws_col)::uuid, r ->> key_col, 'upsert', r)::vigilo_row_change)
      INTO changes FROM (SELECT to_jsonb(n) - dropped AS r FROM new_rows n) x;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(ROW((r ->> ws_col)::uuid, r ->> key_col, 'delete', NULL)::vigilo_row_change)
      INTO changes FROM (SELECT to_jsonb(o) - dropped AS r FROM old_rows o) x;
  ELSE
    -- Old and new rows paired by key; a key that changed leaves a tombstone for the old one.
    SELECT array_agg(CASE WHEN n.r IS NULL
        THEN ROW((o.r ->> ws_col)::uuid, o.r ->> key_col, 'delete', NULL)::vigilo_row_change
        ELSE ROW((n.r ->> ws_col)::uuid, n.r ->> key_col, 'upsert', n.r)::vigilo_row_change END)
      INTO changes
      FROM (SELECT to_jsonb(x) - dropped AS r FROM new_rows x) n
      FULL JOIN (SELECT to_jsonb(y) - dropped AS r FROM old_rows y) o ON (n.r ->> key_col) = (o.r ->> key_col)
      WHERE n.r IS DISTINCT FROM o.r;
  END IF;
  IF changes IS NULL THEN RETURN NULL; END IF;

  -- Rows of a workspace being deleted (its children cascading) leave no tombstones, as in 0005.
  WITH counts AS (
    SELECT c.workspace_id, count(*)::integer AS n FROM unnest(changes) c
    WHERE EXISTS (SELECT 1 FROM workspaces w WHERE w.id = c.workspace_id)
    GROUP BY c.workspace_id
  ), heads AS (
    UPDATE workspace_heads h SET change_seq = h.change_seq + counts.n FROM counts
    WHERE h.workspace_id = counts.workspace_id
    RETURNING h.workspace_id, h.change_seq - counts.n AS base
  ), logged AS (
    INSERT INTO row_changes (workspace_id, seq, table_name, row_id, op, row)
    SELECT c.workspace_id, heads.base + row_number() OVER (PARTITION BY c.workspace_id ORDER BY c.row_id),
           TG_TABLE_NAME, c.row_id, c.op, c.row
    FROM unnest(changes) c JOIN heads ON heads.workspace_id = c.workspace_id
    ON CONFLICT (workspace_id, table_name, row_id) DO UPDATE
      SET seq = EXCLUDED.seq, op = EXCLUDED.op, row = EXCLUDED.row, changed_at = EXCLUDED.changed_at
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM counts), (SELECT count(*) FROM heads) INTO wanted, advanced;
  IF advanced < wanted THEN
    RAISE EXCEPTION 'no workspace head visible for a % change (is vigilo.workspace_id set?)', TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER host_status_sync ON host_status;
CREATE TRIGGER host_status_sync_insert AFTER INSERT ON host_status REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vigilo_track_statement('workspace_id', 'host_id',
    'snapshot_id', 'scanned_at', 'handshake_ms', 'consecutive_unreachable', 'facts');
CREATE TRIGGER host_status_sync_update AFTER UPDATE ON host_status REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vigilo_track_statement('workspace_id', 'host_id',
    'snapshot_id', 'scanned_at', 'handshake_ms', 'consecutive_unreachable', 'facts');
CREATE TRIGGER host_status_sync_delete AFTER DELETE ON host_status REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vigilo_track_statement('workspace_id', 'host_id',
    'snapshot_id', 'scanned_at', 'handshake_ms', 'consecutive_unreachable', 'facts');

DROP TRIGGER certificates_sync ON certificates;
CREATE TRIGGER certificates_sync_insert AFTER INSERT ON certificates REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vigilo_track_statement('workspace_id', 'fingerprint', 'last_seen');
CREATE TRIGGER certificates_sync_update AFTER UPDATE ON certificates REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vigilo_track_statement('workspace_id', 'fingerprint', 'last_seen');
CREATE TRIGGER certificates_sync_delete AFTER DELETE ON certificates REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vigilo_track_statement('workspace_id', 'fingerprint', 'last_seen');

-- Snapshot bodies are compressed with lz4 where this Postgres has it (distribution builds do; the
-- embedded binaries of single-machine mode do not): pglz took about a quarter of the time of
-- inserting a 2 KB body. Rows already stored stay as they are. Month partitions made from now on
-- keep the setting (INCLUDING COMPRESSION), which 0007's function did not copy.
DO $$
DECLARE part regclass;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE snapshots ALTER COLUMN body SET COMPRESSION lz4;
    -- The setting does not pass down to existing partitions by itself.
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'snapshots'::regclass LOOP
      EXECUTE format('ALTER TABLE %s ALTER COLUMN body SET COMPRESSION lz4', part);
    END LOOP;
  END IF;
END $$;

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
    EXECUTE format('CREATE TABLE %I (LIKE snapshots INCLUDING DEFAULTS INCLUDING COMPRESSION)', name);
  EXCEPTION WHEN duplicate_table THEN
    RETURN;
  END;
  EXECUTE format(
    'WITH moved AS (DELETE FROM snapshots_default WHERE scanned_at >= %L AND scanned_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
    start_at, end_at, name);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', 'snapshots', name, start_at, end_at);
END $$;
