-- Desktop sync: a per-row change log with tombstones that replicas pull by cursor, and receipts
-- that make client mutations (the desktop's outbox) apply exactly once.
--
-- Cursor safety: each change takes the next per-workspace `change_seq` under the workspace_heads
-- row lock (the same lock audit and event appends take), held until commit. So changes commit in
-- seq order per workspace and a reader that saw seq N can never later find a committed N-1.

ALTER TABLE workspace_heads ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;

CREATE TABLE row_changes (
  workspace_id uuid NOT NULL,
  seq bigint NOT NULL,
  table_name text NOT NULL,
  row_id text NOT NULL,
  op text NOT NULL CHECK (op IN ('upsert', 'delete')),
  -- The row as JSON without its secret or churning columns; NULL for a tombstone.
  row jsonb,
  changed_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, seq),
  CHECK ((op = 'delete') = (row IS NULL))
);
-- No foreign key to workspaces on purpose: deleting a workspace cascades into tracked tables
-- whose triggers run after the workspace row is gone, and a key would refuse or orphan their
-- tombstones. The trigger on workspaces removes a deleted workspace's log instead.
CREATE UNIQUE INDEX row_changes_latest ON row_changes (workspace_id, table_name, row_id);
ALTER TABLE row_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE row_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY row_changes_tenant ON row_changes USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE, DELETE ON row_changes TO vigilo_app;

-- Generic change tracking. Arguments: the workspace column, the key column, then the columns
-- never replicated (secrets, or values that churn on every scan and would flood the log).
-- One row per (table, row) is kept: a newer change replaces the older one, so the log stays the
-- size of the replicated data plus tombstones, and a replica at any cursor still receives the
-- latest state of every row changed after it.
CREATE FUNCTION vigilo_track_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ws_col text := TG_ARGV[0];
  key_col text := TG_ARGV[1];
  dropped text[] := coalesce(TG_ARGV[2:], '{}');
  new_row jsonb;
  old_row jsonb;
  ws uuid;
  next_seq bigint;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - dropped; END IF;
  IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - dropped; END IF;
  -- Only replicated columns changed matter: a scan touching last_seen does not lock the head.
  IF TG_OP = 'UPDATE' AND new_row = old_row THEN RETURN NULL; END IF;
  ws := coalesce(new_row, old_row) ->> ws_col;

  -- A deleted workspace takes its log with it; its cascaded children leave no tombstones.
  IF TG_TABLE_NAME = 'workspaces' AND TG_OP = 'DELETE' THEN
    DELETE FROM row_changes WHERE workspace_id = ws;
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM workspaces WHERE id = ws) THEN RETURN NULL; END IF;

  UPDATE workspace_heads SET change_seq = change_seq + 1 WHERE workspace_id = ws
    RETURNING change_seq INTO next_seq;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no workspace head visible for % (is vigilo.workspace_id set?)', ws;
  END IF;

  INSERT INTO row_changes (workspace_id, seq, table_name, row_id, op, row)
    VALUES (ws, next_seq, TG_TABLE_NAME, coalesce(new_row, old_row) ->> key_col,
            CASE WHEN TG_OP = 'DELETE' THEN 'delete' ELSE 'upsert' END, new_row)
    ON CONFLICT (workspace_id, table_name, row_id) DO UPDATE
      SET seq = EXCLUDED.seq, op = EXCLUDED.op, row = EXCLUDED.row, changed_at = EXCLUDED.changed_at;
  RETURN NULL;
END $$;

-- Platform tables. Trigger names sort after workspaces_heads so the head exists first.
CREATE TRIGGER workspaces_sync AFTER INSERT OR UPDATE OR DELETE ON workspaces
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('id', 'id');
CREATE TRIGGER memberships_sync AFTER INSERT OR UPDATE OR DELETE ON memberships
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'user_id');
CREATE TRIGGER channels_sync AFTER INSERT OR UPDATE OR DELETE ON channels
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id', 'secret_sealed', 'consecutive_failures', 'updated_at');

-- Monitoring tables (0004). Snapshots are immutable and numerous: replicas read them on demand.
CREATE TRIGGER hosts_sync AFTER INSERT OR UPDATE OR DELETE ON hosts
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id', 'updated_at');
CREATE TRIGGER host_status_sync AFTER INSERT OR UPDATE OR DELETE ON host_status
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'host_id',
    'snapshot_id', 'scanned_at', 'handshake_ms', 'consecutive_unreachable', 'facts');
CREATE TRIGGER certificates_sync AFTER INSERT OR UPDATE OR DELETE ON certificates
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'fingerprint', 'last_seen');
CREATE TRIGGER alert_rules_sync AFTER INSERT OR UPDATE OR DELETE ON alert_rules
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id', 'updated_at');
CREATE TRIGGER alerts_sync AFTER INSERT OR UPDATE OR DELETE ON alerts
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');
CREATE TRIGGER snoozes_sync AFTER INSERT OR UPDATE OR DELETE ON snoozes
  FOR EACH ROW EXECUTE FUNCTION vigilo_track_changes('workspace_id', 'id');

-- Receipts of client mutations: a retried outbox entry finds its receipt and gets the same
-- answer without being applied again. Conflicts are receipts too, so a retry never flips one.
CREATE TABLE client_mutations (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  client_id uuid NOT NULL,
  kind text NOT NULL,
  actor_id text NOT NULL,
  -- NULL while the applying transaction runs; {status: 'applied' | 'conflict', ...} after.
  result jsonb,
  received_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, client_id)
);
ALTER TABLE client_mutations ENABLE ROW LEVEL SECURITY;
ALTER TABLE client_mutations FORCE ROW LEVEL SECURITY;
CREATE POLICY client_mutations_tenant ON client_mutations USING (workspace_id = vigilo_workspace());
GRANT SELECT, INSERT, UPDATE (result) ON client_mutations TO vigilo_app;
