-- Snapshot bodies are stored as json (the text as the agent's batch carried it), not jsonb.
-- Nothing queries inside a stored body but "did this scan see TLS" (json_typeof); bodies are
-- written far more often than read (every scan of every host, read one at a time on a host's
-- page), and building jsonb's binary form was the largest part of the ingest writer's biggest
-- statement: storing json text is about a third faster per group and, lz4-compressed, less than
-- half the size on disk (server/bench/ingest-profile.ts; BENCHMARKS.md "Ingest").
-- The type change rewrites every partition once; the compression setting is set again after it.
ALTER TABLE snapshots ALTER COLUMN body TYPE json USING body::json;

DO $$
DECLARE part regclass;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE snapshots ALTER COLUMN body SET COMPRESSION lz4;
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'snapshots'::regclass LOOP
      EXECUTE format('ALTER TABLE %s ALTER COLUMN body SET COMPRESSION lz4', part);
    END LOOP;
  END IF;
END $$;
