-- 0016's statement triggers turned every updated row of host_status and certificates into JSON,
-- twice (old and new), to find the rows whose replicated columns changed: for a batch of
-- re-scans that changed nothing that cost as much as 0005's row trigger (about 16 µs a row).
-- Now the replicated columns are compared as columns (IS DISTINCT FROM on the pair of rows), and
-- only a row that changed is turned into JSON for the log: an unchanged re-scan costs the update
-- itself and little more. Behaviour is 0016's: one head advance per statement and workspace,
-- changes numbered in key order, tombstones for deleted rows and for a key that changed.

CREATE OR REPLACE FUNCTION vigilo_track_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ws_col text := TG_ARGV[0];
  key_col text := TG_ARGV[1];
  dropped text[] := coalesce(TG_ARGV[2:], '{}');
  old_cols text;
  new_cols text;
  changes vigilo_row_change[];
  wanted integer;
  advanced integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('SELECT array_agg(ROW(n.%I, n.%I::text, ''upsert'', to_jsonb(n) - $1)::vigilo_row_change) FROM new_rows n',
      ws_col, key_col) INTO changes USING dropped;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT array_agg(ROW(o.%I, o.%I::text, ''delete'', NULL)::vigilo_row_change) FROM old_rows o',
      ws_col, key_col) INTO changes;
  ELSE
    -- Only the replicated columns are compared, column by column (no row turned into JSON unless
    -- it changed); old and new rows are paired by key, and a key that changed leaves a tombstone.
    SELECT string_agg(format('o.%I', attname), ', ' ORDER BY attnum), string_agg(format('n.%I', attname), ', ' ORDER BY attnum)
      INTO old_cols, new_cols
      FROM pg_attribute WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped AND NOT (attname = ANY (dropped));
    EXECUTE format(
      'SELECT array_agg(CASE WHEN n.%2$I IS NULL THEN ROW(o.%1$I, o.%2$I::text, ''delete'', NULL)::vigilo_row_change
                            ELSE ROW(n.%1$I, n.%2$I::text, ''upsert'', to_jsonb(n) - $1)::vigilo_row_change END)
       FROM new_rows n FULL JOIN old_rows o ON o.%2$I = n.%2$I
       WHERE n.%2$I IS NULL OR o.%2$I IS NULL OR (%3$s) IS DISTINCT FROM (%4$s)',
      ws_col, key_col, old_cols, new_cols) INTO changes USING dropped;
  END IF;
  IF changes IS NULL THEN RETURN NULL; END IF;

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
