import { gradeRank } from '@vigilo/shared/grading';
import { Grade, type Snapshot } from '@vigilo/shared/snapshot';
import type { HistoryPoint, HostHistory, LatestScan } from '@vigilo/shared/host-history';
import type { WorkspaceTx } from '../../db/tx.ts';

export type { HistoryPoint, HostHistory, LatestScan } from '@vigilo/shared/host-history';

const DAY_MS = 86_400_000;

/**
 * A host's grade history over the last `days` UTC days (today included), one point per day even
 * when there was no scan, oldest first; plus the chain and posture of its latest handshake.
 * Snapshots are not replicated to desktops (too many): this is how they see the trend. Returns
 * undefined when the host does not exist in the transaction's workspace.
 */
export async function hostHistory(
  tx: WorkspaceTx,
  input: { hostId: string; days: number; now: Date },
): Promise<HostHistory | undefined> {
  const host = await tx.query('SELECT 1 FROM hosts WHERE id = $1', [input.hostId]);
  if (host.rowCount === 0) return undefined;
  const today = Date.UTC(input.now.getUTCFullYear(), input.now.getUTCMonth(), input.now.getUTCDate());
  const from = new Date(today - (input.days - 1) * DAY_MS);
  // Grouped in SQL (a 5-minute host has ~8,600 scans a month); the worst grade is picked here
  // because grade order (T and M below F) is shared logic, not SQL's.
  const { rows } = await tx.query<{
    day: string;
    grades: string[] | null;
    reachable: boolean;
    scans: number;
  }>(
    `SELECT to_char(date_trunc('day', scanned_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
            array_agg(DISTINCT grade) FILTER (WHERE grade IS NOT NULL) AS grades,
            bool_and(reachable) AS reachable, count(*)::int AS scans
     FROM snapshots
     WHERE workspace_id = $1 AND host_id = $2 AND scanned_at >= $3 AND scanned_at < $4
     GROUP BY 1`,
    [tx.workspaceId, input.hostId, from, new Date(today + DAY_MS)],
  );
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const points: HistoryPoint[] = [];
  for (let i = 0; i < input.days; i++) {
    const day = new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    const r = byDay.get(day);
    points.push({
      day,
      grade: worstGrade(r?.grades ?? []),
      reachable: r ? r.reachable : null,
      scans: r?.scans ?? 0,
    });
  }
  return { hostId: input.hostId, days: input.days, points, latest: await latestScan(tx, input.hostId) };
}

function worstGrade(grades: string[]): Grade | null {
  let worst: Grade | null = null;
  for (const g of grades) {
    const parsed = Grade.safeParse(g);
    if (parsed.success && (worst === null || gradeRank(parsed.data) > gradeRank(worst))) worst = parsed.data;
  }
  return worst;
}

async function latestScan(tx: WorkspaceTx, hostId: string): Promise<LatestScan | null> {
  // The newest snapshot with a handshake: an outage does not hide the chain last served.
  const { rows } = await tx.query<{ body: Snapshot }>(
    `SELECT body FROM snapshots WHERE workspace_id = $1 AND host_id = $2 AND json_typeof(body->'tls') <> 'null'
     ORDER BY scanned_at DESC LIMIT 1`,
    [tx.workspaceId, hostId],
  );
  const s = rows[0]?.body;
  if (!s?.tls) return null;
  return {
    scannedAt: s.scanned_at,
    chain: s.tls.chain.map((c) => ({
      subject: c.subject,
      issuer: c.issuer,
      notBefore: c.not_before,
      notAfter: c.not_after,
      fingerprint: c.fingerprint_sha256,
      keyAlgorithm: c.key.algorithm,
      keyBits: c.key.bits,
      signatureAlgorithm: c.signature.algorithm,
      isCa: c.is_ca,
      selfSigned: c.self_signed,
    })),
    validation: {
      trusted: s.tls.validation.trusted,
      problems: s.tls.validation.problems,
      detail: s.tls.validation.detail,
    },
    posture: {
      negotiatedProtocol: s.tls.negotiated_protocol,
      negotiatedCipher: s.tls.negotiated_cipher,
      hostnameMatch: s.tls.hostname_match,
      ocspStapled: s.tls.ocsp.stapled,
      protocols: s.tls.protocols,
      hsts: s.http ? { present: s.http.hsts.present, maxAge: s.http.hsts.max_age } : null,
      gradeReasons: (s.grade?.reasons ?? []).map((r) => ({ rule: r.rule, message: r.message })),
    },
  };
}
