-- Snapshot and loss-report ids are deduplicated per workspace. 0004 keyed snapshots by
-- (id, scanned_at) and loss reports by id across all tenants, and row security does not hide a
-- unique index: an agent that sent an id another workspace already held got `duplicate`, its
-- snapshot was dropped, and it learned that the id exists elsewhere. The workspace now leads
-- both keys; scanned_at stays in the snapshots key because a partitioned table's unique keys
-- must include its partition key. Partitions made later by vigilo_ensure_snapshot_partition get
-- the new key when they are attached.
ALTER TABLE snapshots DROP CONSTRAINT snapshots_pkey;
ALTER TABLE snapshots ADD PRIMARY KEY (workspace_id, id, scanned_at);

ALTER TABLE agent_losses DROP CONSTRAINT agent_losses_pkey;
ALTER TABLE agent_losses ADD PRIMARY KEY (workspace_id, id);
