import { PRODUCTION_TAG } from '@vigilo/shared/control-tests';
import type { WorkspaceTx } from '../../db/tx.ts';

export type ProductionHost = {
  id: string;
  hostname: string;
  port: number;
  tags: string[];
  scannedAt: Date | null;
  grade: string | null;
  /** host_status.facts: the latest scan's facts (protocols, grade…), certificate facts kept through outages. */
  facts: Record<string, unknown> | null;
};

/** The active hosts tagged production, with their current status (null before the first scan). */
export async function productionHosts(tx: WorkspaceTx): Promise<ProductionHost[]> {
  const { rows } = await tx.query<{
    id: string;
    hostname: string;
    port: number;
    tags: string[];
    scanned_at: Date | null;
    grade: string | null;
    facts: Record<string, unknown> | null;
  }>(
    `SELECT h.id, h.hostname, h.port, h.tags, s.scanned_at, s.grade, s.facts
     FROM hosts h LEFT JOIN host_status s ON s.host_id = h.id
     WHERE h.active AND $1 = ANY (h.tags) ORDER BY h.hostname, h.port`,
    [PRODUCTION_TAG],
  );
  return rows.map((r) => ({
    id: r.id,
    hostname: r.hostname,
    port: r.port,
    tags: r.tags,
    scannedAt: r.scanned_at,
    grade: r.grade,
    facts: r.facts,
  }));
}
