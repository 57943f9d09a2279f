import { certificateFacts } from '@vigilo/shared/alert-rules';
import { byCodeUnit } from '@vigilo/shared/order';
import type { LossReport, Snapshot } from '@vigilo/shared';
import { completeRenewals } from '../../changes/renewal-completion.ts';
import type { WorkspaceTx } from '../../db/tx.ts';
import { evaluateRules } from '../alerts/rule-engine.ts';

export type StoredBatch = { accepted: string[]; duplicate: string[]; lossesRecorded: string[] };

/**
 * Stores one agent batch inside the caller's workspace transaction: snapshots (an id this
 * workspace already holds is ignored; other workspaces' ids are never compared), the hosts'
 * current status, the certificate inventory, loss reports, and then the alert rules for the
 * hosts whose status moved — all of it commits together or not at all.
 * The caller has already checked that every snapshot belongs to a host assigned to the agent.
 */
export async function storeBatch(
  tx: WorkspaceTx,
  agentId: string,
  snapshots: Snapshot[],
  losses: LossReport[],
  now: Date,
): Promise<StoredBatch> {
  const accepted = await insertSnapshots(tx, agentId, snapshots);
  const acceptedSet = new Set(accepted);
  // In scan order, by instant (the strings may differ in precision or offset).
  const fresh = snapshots
    .filter((s) => acceptedSet.has(s.id))
    .map((s) => ({ s, at: Date.parse(s.scanned_at) }))
    .sort((a, b) => a.at - b.at)
    .map(({ s }) => s);
  const { moved, replicated } = await updateHostStatus(tx, fresh);
  await upsertCertificates(tx, fresh);
  // Live desktops pull the change log when an event arrives: without this one a new host's first
  // grade waited for the next manual sync. Once per transaction, only when a replicated column
  // moved (a re-scan that changed nothing sends nothing); the change log still carries the rows.
  if (replicated.length > 0) {
    await tx.observe('host.status_changed', {
      hosts: replicated.slice(0, STATUS_EVENT_HOSTS),
      count: replicated.length,
    });
  }
  const lossesRecorded = await recordLosses(tx, agentId, losses);
  if (moved.length > 0) await evaluateRules(tx, { hostIds: moved, now });
  // A renewed certificate completes its renewal change (one indexed query, none without TLS).
  await completeRenewals(tx, fresh, now);
  return {
    accepted,
    duplicate: snapshots.filter((s) => !acceptedSet.has(s.id)).map((s) => s.id),
    lossesRecorded,
  };
}

/**
 * Separates the bodies in the one text parameter the snapshot insert splits (sent as a parameter
 * too, so the two cannot differ). JSON text never holds this character raw (JSON.stringify writes
 * control characters as \u escapes), so a split on it gives back each body exactly.
 */
const BODY_SEPARATOR = '\x1e';

async function insertSnapshots(tx: WorkspaceTx, agentId: string, snapshots: Snapshot[]): Promise<string[]> {
  if (snapshots.length === 0) return [];
  // In id order: two transactions holding some of the same snapshots (a stream entry claimed by a
  // second worker while the first still writes it) then wait on each other in one direction only.
  const rows = [...snapshots].sort((a, b) => byCodeUnit(a.id, b.id));
  // One statement for the whole batch. The columns travel as arrays and the bodies as one text,
  // split in Postgres and cast to json once: sent inside one JSON document (json_to_recordset),
  // every body was lexed twice, once to cut it out of the document and once to check it as json.
  const { rows: inserted } = await tx.query<{ id: string }>(
    `INSERT INTO snapshots (id, scanned_at, workspace_id, host_id, agent_id, reachable, grade, not_after, fingerprint, handshake_ms, body)
     SELECT x.id, x.scanned_at, $2, x.host_id, $3, x.reachable, x.grade, x.not_after, x.fingerprint, x.handshake_ms, x.body::json
     FROM unnest($1::uuid[], $4::timestamptz[], $5::uuid[], $6::boolean[], $7::text[], $8::timestamptz[], $9::text[],
       $10::real[], string_to_array($11, $12))
       AS x(id, scanned_at, host_id, reachable, grade, not_after, fingerprint, handshake_ms, body)
     ON CONFLICT (workspace_id, id, scanned_at) DO NOTHING
     RETURNING id`,
    [
      rows.map((s) => s.id),
      tx.workspaceId,
      agentId,
      rows.map((s) => s.scanned_at),
      rows.map((s) => s.target.host_id),
      rows.map((s) => s.reachability.state === 'reachable'),
      rows.map((s) => s.grade?.grade ?? null),
      rows.map((s) => s.tls?.chain[0]?.not_after ?? null),
      rows.map((s) => s.tls?.chain[0]?.fingerprint_sha256 ?? null),
      rows.map((s) => s.latency.tls_ms),
      rows.map((s) => JSON.stringify(s)).join(BODY_SEPARATOR),
      BODY_SEPARATOR,
    ],
  );
  return inserted.map((r) => r.id);
}

/** At most this many hosts are named in one host.status_changed event (its count says how many). */
const STATUS_EVENT_HOSTS = 100;

type StatusRow = {
  host_id: string;
  scanned_at: Date;
  consecutive_unreachable: number;
  facts: Record<string, unknown>;
};

/** The columns of host_status the change log replicates (0016: all but the per-scan ones). */
type ReplicatedStatus = {
  reachable: boolean;
  grade: string | null;
  not_after: Date | null;
  fingerprint: string | null;
};

/** One host whose replicated status moved, as the host.status_changed event names it. */
type MovedStatus = { hostId: string; grade: string | null; reachable: boolean };

const sameInstant = (a: Date | null, b: string | null) =>
  a === null || b === null ? a === b : a.getTime() === Date.parse(b);

/**
 * Applies snapshots in scan order to each host's current status; returns the hosts that changed
 * and, of those, the ones whose replicated columns moved (what a desktop would see change).
 */
async function updateHostStatus(
  tx: WorkspaceTx,
  fresh: Snapshot[],
): Promise<{ moved: string[]; replicated: MovedStatus[] }> {
  const hostIds = [...new Set(fresh.map((s) => s.target.host_id).filter((h): h is string => h !== null))];
  if (hostIds.length === 0) return { moved: [], replicated: [] };
  const { rows } = await tx.query<StatusRow & ReplicatedStatus>(
    // Rows are locked in key order: concurrent batches over overlapping hosts queue, never deadlock.
    `SELECT host_id, scanned_at, consecutive_unreachable, facts, reachable, grade, not_after, fingerprint
     FROM host_status WHERE host_id = ANY($1) ORDER BY host_id FOR UPDATE`,
    [hostIds],
  );
  const before = new Map(rows.map((r) => [r.host_id, r]));
  const current = new Map<string, StatusRow>(rows.map((r) => [r.host_id, r]));
  const next = new Map<
    string,
    {
      host_id: string;
      reachable: boolean;
      grade: string | null;
      not_after: string | null;
      fingerprint: string | null;
    } & Record<string, unknown>
  >();
  for (const s of fresh) {
    const hostId = s.target.host_id;
    if (!hostId) continue;
    const prev = current.get(hostId);
    // A late snapshot older than the current status is stored but does not move the status.
    if (prev && prev.scanned_at.getTime() >= Date.parse(s.scanned_at)) continue;
    const reachable = s.reachability.state === 'reachable';
    const cert = certificateFacts(s);
    // Certificate facts persist through outages: "expires in 5 days" holds while unreachable.
    const facts = { ...(prev?.facts ?? {}), ...(cert ?? {}), reachable };
    const status: StatusRow = {
      host_id: hostId,
      scanned_at: new Date(s.scanned_at),
      consecutive_unreachable: reachable ? 0 : (prev?.consecutive_unreachable ?? 0) + 1,
      facts,
    };
    current.set(hostId, status);
    next.set(hostId, {
      host_id: hostId,
      snapshot_id: s.id,
      scanned_at: s.scanned_at,
      reachable,
      consecutive_unreachable: status.consecutive_unreachable,
      grade: s.grade?.grade ?? null,
      not_after: cert?.notAfter ?? null,
      fingerprint: s.tls?.chain[0]?.fingerprint_sha256 ?? null,
      handshake_ms: s.latency.tls_ms,
      facts,
    });
  }
  if (next.size === 0) return { moved: [], replicated: [] };
  // One statement for every host the batch moved.
  await tx.query(
    `INSERT INTO host_status (host_id, workspace_id, snapshot_id, scanned_at, reachable, consecutive_unreachable, grade, not_after, fingerprint, handshake_ms, facts)
     SELECT x.host_id, $2, x.snapshot_id, x.scanned_at, x.reachable, x.consecutive_unreachable, x.grade, x.not_after, x.fingerprint, x.handshake_ms, x.facts
     FROM jsonb_to_recordset($1::jsonb) AS x(host_id uuid, snapshot_id uuid, scanned_at timestamptz, reachable boolean,
       consecutive_unreachable integer, grade text, not_after timestamptz, fingerprint text, handshake_ms real, facts jsonb)
     ON CONFLICT (host_id) DO UPDATE SET snapshot_id = EXCLUDED.snapshot_id, scanned_at = EXCLUDED.scanned_at,
       reachable = EXCLUDED.reachable, consecutive_unreachable = EXCLUDED.consecutive_unreachable,
       grade = coalesce(EXCLUDED.grade, host_status.grade), not_after = coalesce(EXCLUDED.not_after, host_status.not_after),
       fingerprint = coalesce(EXCLUDED.fingerprint, host_status.fingerprint),
       handshake_ms = EXCLUDED.handshake_ms, facts = EXCLUDED.facts`,
    [JSON.stringify([...next.values()].sort((a, b) => byCodeUnit(a.host_id, b.host_id))), tx.workspaceId],
  );
  const replicated: MovedStatus[] = [];
  for (const [hostId, row] of next) {
    const prev = before.get(hostId);
    const grade = row.grade ?? prev?.grade ?? null;
    const notAfter = row.not_after ?? prev?.not_after?.toISOString() ?? null;
    const fingerprint = row.fingerprint ?? prev?.fingerprint ?? null;
    const reachable = row.reachable;
    // The same comparison as the change-log trigger, after the upsert's coalesce().
    const same =
      prev !== undefined &&
      prev.reachable === reachable &&
      prev.grade === grade &&
      prev.fingerprint === fingerprint &&
      sameInstant(prev.not_after, notAfter);
    if (!same) replicated.push({ hostId, grade, reachable });
  }
  return { moved: [...next.keys()], replicated: replicated.sort((a, b) => byCodeUnit(a.hostId, b.hostId)) };
}

/** How fresh certificates' and host certificates' last_seen is kept. */
const SEEN_RESOLUTION = '1 hour';

/** A certificate or host link a batch must write: its place in the batch's list, and why. */
type Due = { n: number; missing: boolean };

/** The batch's certificates and their hosts (deduplicated first): new ones inserted, stale ones refreshed. */
async function upsertCertificates(tx: WorkspaceTx, fresh: Snapshot[]): Promise<void> {
  const certs = new Map<string, { fingerprint: string; seen: string } & Record<string, unknown>>();
  const links = new Map<string, { host_id: string; fingerprint: string; seen: string }>();
  for (const s of fresh) {
    const leaf = s.tls?.chain[0];
    if (!leaf || !s.target.host_id) continue;
    certs.set(leaf.fingerprint_sha256, {
      fingerprint: leaf.fingerprint_sha256,
      subject: leaf.subject,
      issuer: leaf.issuer,
      issuer_cn: leaf.issuer_cn,
      sans: leaf.sans,
      serial: leaf.serial,
      not_before: leaf.not_before,
      not_after: leaf.not_after,
      key_algorithm: leaf.key.algorithm,
      key_bits: leaf.key.bits,
      signature_algorithm: leaf.signature.algorithm,
      seen: s.scanned_at,
    });
    links.set(`${s.target.host_id}/${leaf.fingerprint_sha256}`, {
      host_id: s.target.host_id,
      fingerprint: leaf.fingerprint_sha256,
      seen: s.scanned_at,
    });
  }
  if (certs.size === 0) return;
  // Nearly every scan sees a certificate this workspace holds and saw within the hour. Two key
  // lookups (plain arrays: no JSON to parse) name the certificates and links that are missing or
  // an hour stale, and only those go to the statements below; with none, nothing is written. The
  // statements still decide for themselves (ON CONFLICT, the stale test), so a row another
  // transaction adds meanwhile is not written twice.
  const certList = [...certs.values()];
  const certDue = await tx.query<Due>(
    `SELECT x.n::int AS n, c.fingerprint IS NULL AS missing
     FROM unnest($2::text[], $3::timestamptz[]) WITH ORDINALITY AS x(fingerprint, seen, n)
     LEFT JOIN certificates c ON c.workspace_id = $1 AND c.fingerprint = x.fingerprint
     WHERE c.fingerprint IS NULL OR c.last_seen < x.seen - interval '${SEEN_RESOLUTION}'`,
    [tx.workspaceId, certList.map((c) => c.fingerprint), certList.map((c) => c.seen)],
  );
  const linkList = [...links.values()];
  const linkDue = await tx.query<Due>(
    `SELECT x.n::int AS n, h.host_id IS NULL AS missing
     FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS x(host_id, fingerprint, seen, n)
     LEFT JOIN host_certificates h ON h.host_id = x.host_id AND h.fingerprint = x.fingerprint
     WHERE h.host_id IS NULL OR h.last_seen < x.seen - interval '${SEEN_RESOLUTION}'`,
    [linkList.map((l) => l.host_id), linkList.map((l) => l.fingerprint), linkList.map((l) => l.seen)],
  );
  // Missing ones are inserted; a known one is written only when its last_seen is an hour old.
  // Refreshing it on every scan rewrote (and locked) every certificate row of every batch;
  // last_seen is kept to the hour instead (nothing reads it finer). Rows are locked in key order.
  // Rows are named by their 1-based place in the arrays sent (WITH ORDINALITY).
  const pick = <T>(rows: T[], due: Due[], missing: boolean) =>
    due.filter((d) => d.missing === missing).map((d) => rows[d.n - 1]!);
  const newCerts = pick(certList, certDue.rows, true);
  if (newCerts.length > 0)
    await tx.query(
      `INSERT INTO certificates (workspace_id, fingerprint, subject, issuer, issuer_cn, sans, serial, not_before, not_after,
         key_algorithm, key_bits, signature_algorithm, first_seen, last_seen)
       SELECT $2, x.fingerprint, x.subject, x.issuer, x.issuer_cn, x.sans, x.serial, x.not_before, x.not_after,
         x.key_algorithm, x.key_bits, x.signature_algorithm, x.seen, x.seen
       FROM jsonb_to_recordset($1::jsonb) AS x(fingerprint text, subject text, issuer text, issuer_cn text,
         sans text[], serial text, not_before timestamptz, not_after timestamptz, key_algorithm text, key_bits integer,
         signature_algorithm text, seen timestamptz)
       ORDER BY x.fingerprint
       ON CONFLICT (workspace_id, fingerprint) DO NOTHING`,
      [JSON.stringify(newCerts), tx.workspaceId],
    );
  const staleCerts = pick(certList, certDue.rows, false);
  if (staleCerts.length > 0)
    await tx.query(
      `WITH stale AS (
         SELECT c.fingerprint, x.seen FROM certificates c
         JOIN unnest($1::text[], $2::timestamptz[]) AS x(fingerprint, seen) ON c.fingerprint = x.fingerprint
         WHERE c.workspace_id = $3 AND c.last_seen < x.seen - interval '${SEEN_RESOLUTION}' ORDER BY c.fingerprint FOR UPDATE OF c
       )
       UPDATE certificates c SET last_seen = greatest(c.last_seen, stale.seen) FROM stale
       WHERE c.workspace_id = $3 AND c.fingerprint = stale.fingerprint`,
      [staleCerts.map((c) => c.fingerprint), staleCerts.map((c) => c.seen), tx.workspaceId],
    );
  const newLinks = pick(linkList, linkDue.rows, true);
  if (newLinks.length > 0)
    await tx.query(
      `INSERT INTO host_certificates (workspace_id, host_id, fingerprint, first_seen, last_seen)
       SELECT $2, x.host_id, x.fingerprint, x.seen, x.seen
       FROM unnest($1::uuid[], $3::text[], $4::timestamptz[]) AS x(host_id, fingerprint, seen)
       ORDER BY x.host_id, x.fingerprint
       ON CONFLICT (host_id, fingerprint) DO NOTHING`,
      [
        newLinks.map((l) => l.host_id),
        tx.workspaceId,
        newLinks.map((l) => l.fingerprint),
        newLinks.map((l) => l.seen),
      ],
    );
  const staleLinks = pick(linkList, linkDue.rows, false);
  if (staleLinks.length > 0)
    await tx.query(
      `WITH stale AS (
         SELECT h.host_id, h.fingerprint, x.seen FROM host_certificates h
         JOIN unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS x(host_id, fingerprint, seen) USING (host_id, fingerprint)
         WHERE h.last_seen < x.seen - interval '${SEEN_RESOLUTION}' ORDER BY h.host_id, h.fingerprint FOR UPDATE OF h
       )
       UPDATE host_certificates h SET last_seen = greatest(h.last_seen, stale.seen) FROM stale
       WHERE h.host_id = stale.host_id AND h.fingerprint = stale.fingerprint`,
      [staleLinks.map((l) => l.host_id), staleLinks.map((l) => l.fingerprint), staleLinks.map((l) => l.seen)],
    );
}

async function recordLosses(tx: WorkspaceTx, agentId: string, losses: LossReport[]): Promise<string[]> {
  const recorded: string[] = [];
  for (const loss of losses) {
    await tx.query(
      `INSERT INTO agent_losses (id, workspace_id, agent_id, dropped, reason, oldest_scanned_at, newest_scanned_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workspace_id, id) DO NOTHING`,
      [
        loss.id,
        tx.workspaceId,
        agentId,
        loss.dropped,
        loss.reason,
        loss.oldest_scanned_at,
        loss.newest_scanned_at,
      ],
    );
    recorded.push(loss.id);
  }
  return recorded;
}
