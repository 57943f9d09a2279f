import { daysLeft } from '@vigilo/shared/expiry';
import type Database from 'better-sqlite3';
import {
  type ExpiryBand,
  type GradeHistory,
  type HostDetail,
  type HostFilter,
  hostFilterSchema,
  type HostRow,
} from '../../bridge/inventory.ts';

/**
 * The "Certificates and hosts" screen over the replica: one row per monitored host with its
 * grade, expiry, tags, pause and snooze state, and the host detail. Days left are computed from
 * an injected `now`, never the wall clock, so the same replica reads the same in tests.
 */

/**
 * green > 30 days, amber 7–30, red < 7, dark red once `notAfter` has passed. Days are counted by
 * the shared rule (`@vigilo/shared/expiry`), the one the server and its alert rules use.
 */
export function expiryBand(notAfter: string | null, now: Date): ExpiryBand {
  if (notAfter === null) return 'unknown';
  if (Date.parse(notAfter) <= now.getTime()) return 'expired';
  const days = daysLeft(notAfter, now);
  if (days < 7) return 'under-7';
  if (days <= 30) return '7-30';
  return 'over-30';
}

type SqlRow = {
  id: string;
  hostname: string;
  port: number;
  tags: string | null;
  active: number | null;
  protocol: string | null;
  interval_s: number | null;
  local_snoozed_until: string | null;
  grade: string | null;
  reachable: number | null;
  status_not_after: string | null;
  fingerprint: string | null;
  cert_not_after: string | null;
  subject: string | null;
  snoozed_until: string | null;
  open_alerts: number;
  pending: number;
  agent_id: string | null;
};

// `+r.id` on purpose: compared with a TEXT column, the per-host lookups would take its affinity
// and skip the expression indexes (records_snooze_host, records_alert_host), reading every open
// alert for every host (seconds at a few thousand hosts). The unary + keeps the index in play.
// Hosts come straight from `records` (not the `hosts` view) to read the local `snoozed_until`
// mark a pending host.snooze leaves on the row (desktop/src/core/actions.ts).
const HOSTS_SQL = `
  SELECT r.id,
    json_extract(r.data, '$.hostname') AS hostname, json_extract(r.data, '$.port') AS port,
    json_extract(r.data, '$.tags') AS tags, json_extract(r.data, '$.active') AS active,
    json_extract(r.data, '$.protocol') AS protocol, json_extract(r.data, '$.interval_s') AS interval_s,
    json_extract(r.data, '$.snoozed_until') AS local_snoozed_until,
    json_extract(r.data, '$.agent_id') AS agent_id,
    s.grade, s.reachable, s.not_after AS status_not_after, s.fingerprint,
    c.not_after AS cert_not_after, c.subject,
    (SELECT z.until FROM snoozes z
      WHERE z.host_id = +r.id AND z.rule_id IS NULL AND julianday(z.until) > julianday(@now)
      ORDER BY julianday(z.until) DESC LIMIT 1) AS snoozed_until,
    (SELECT count(*) FROM alerts a WHERE a.host_id = +r.id AND a.state = 'open') AS open_alerts,
    EXISTS (SELECT 1 FROM outbox o WHERE o.tbl = 'hosts' AND o.row_id = r.id AND o.state = 'pending') AS pending
  FROM records r
  LEFT JOIN host_status s ON s.host_id = r.id
  LEFT JOIN certificates c ON c.fingerprint = s.fingerprint
  WHERE r.tbl = 'hosts'`;

function toRow(r: SqlRow, now: Date): HostRow {
  const notAfter = r.cert_not_after ?? r.status_not_after;
  const days = notAfter ? daysLeft(notAfter, now) : null;
  const local =
    r.local_snoozed_until && Date.parse(r.local_snoozed_until) > now.getTime() ? r.local_snoozed_until : null;
  const snoozedUntil = [r.snoozed_until, local]
    .filter((u): u is string => u !== null)
    .sort((a, b) => Date.parse(b) - Date.parse(a))[0];
  return {
    id: r.id,
    hostname: r.hostname,
    port: r.port,
    grade: r.grade,
    notAfter,
    daysLeft: days,
    band: expiryBand(notAfter, now),
    tags: r.tags ? (JSON.parse(r.tags) as string[]) : [],
    subject: r.subject,
    paused: r.active === 0,
    reachable: r.reachable === null ? null : r.reachable === 1,
    snoozedUntil: snoozedUntil ?? null,
    openAlerts: r.open_alerts,
    pending: r.pending === 1,
    unassigned: r.agent_id === null,
  };
}

/** Fewest days left first (hosts without a certificate last), then by hostname and port. */
function byExpiry(a: HostRow, b: HostRow): number {
  const da = a.daysLeft ?? Number.POSITIVE_INFINITY;
  const db = b.daysLeft ?? Number.POSITIVE_INFINITY;
  if (da !== db) return da < db ? -1 : 1;
  // Same day count: at its very expiry instant a certificate has 0 days left and is already expired.
  const ea = a.band === 'expired' ? 0 : 1;
  const eb = b.band === 'expired' ? 0 : 1;
  return ea - eb || a.hostname.localeCompare(b.hostname) || a.port - b.port;
}

function matches(row: HostRow, f: ReturnType<typeof hostFilterSchema.parse>): boolean {
  if (f.tag && !row.tags.includes(f.tag)) return false;
  if (f.grade && row.grade !== f.grade) return false;
  if (f.band && row.band !== f.band) return false;
  if (f.paused !== undefined && row.paused !== f.paused) return false;
  const text = f.text?.trim().toLowerCase();
  if (text) {
    const haystack = [`${row.hostname}:${row.port}`, ...row.tags, row.subject ?? ''].join('\n').toLowerCase();
    if (!haystack.includes(text)) return false;
  }
  return true;
}

/** The host list, filtered (text over hostname, tags and subject; tag; grade; band; paused). */
export function hostList(db: Database.Database, filter: HostFilter, now: Date): HostRow[] {
  const f = hostFilterSchema.parse(filter);
  return db
    .prepare<{ now: string }, SqlRow>(HOSTS_SQL)
    .all({ now: now.toISOString() })
    .map((r) => toRow(r, now))
    .filter((r) => matches(r, f))
    .sort(byExpiry);
}

type CertRow = {
  fingerprint: string;
  subject: string;
  issuer: string;
  issuer_cn: string | null;
  sans: string | null;
  serial: string;
  not_before: string;
  not_after: string;
  key_algorithm: string;
  key_bits: number | null;
  signature_algorithm: string;
};

/**
 * One host with its leaf certificate (replicated, so known offline from the first sync) and the
 * last grade history fetched from the server (chain, posture, sparkline), or null when the
 * host is not in the replica.
 */
export function hostDetail(db: Database.Database, hostId: string, now: Date): HostDetail | null {
  const r = db
    .prepare<{ now: string; id: string }, SqlRow>(`${HOSTS_SQL} AND r.id = @id`)
    .get({ now: now.toISOString(), id: hostId });
  if (!r) return null;
  const cert = r.fingerprint
    ? db.prepare<[string], CertRow>('SELECT * FROM certificates WHERE fingerprint = ?').get(r.fingerprint)
    : undefined;
  return {
    ...toRow(r, now),
    protocol: r.protocol,
    intervalS: r.interval_s,
    certificate: cert
      ? {
          subject: cert.subject,
          issuer: cert.issuer,
          issuerCn: cert.issuer_cn,
          sans: cert.sans ? (JSON.parse(cert.sans) as string[]) : [],
          serial: cert.serial,
          notBefore: cert.not_before,
          notAfter: cert.not_after,
          fingerprint: cert.fingerprint,
          keyAlgorithm: cert.key_algorithm,
          keyBits: cert.key_bits,
          signatureAlgorithm: cert.signature_algorithm,
          // The replicated inventory holds leaves only (store-batch.ts): never a CA here.
          isCa: false,
          selfSigned: cert.subject === cert.issuer,
        }
      : null,
    history: cachedHistory(db, hostId),
  };
}

/** The last hosts.history answer kept for a host, if any. */
export function cachedHistory(db: Database.Database, hostId: string): GradeHistory | undefined {
  const row = db
    .prepare<[string], { data: string; fetched_at: string }>(
      'SELECT data, fetched_at FROM host_history WHERE host_id = ?',
    )
    .get(hostId);
  if (!row) return undefined;
  return { ...(JSON.parse(row.data) as Omit<GradeHistory, 'fetchedAt'>), fetchedAt: row.fetched_at };
}

/** Keeps the server's latest history answer for a host (replacing the previous one). */
export function storeHistory(db: Database.Database, history: GradeHistory): void {
  const { fetchedAt, ...data } = history;
  db.prepare(
    `INSERT INTO host_history (host_id, days, fetched_at, data) VALUES (?, ?, ?, ?)
     ON CONFLICT (host_id) DO UPDATE SET days = excluded.days, fetched_at = excluded.fetched_at, data = excluded.data`,
  ).run(history.hostId, history.days, fetchedAt, JSON.stringify(data));
}
