import type { Snapshot } from '@vigilo/shared/snapshot';
import type { WorkspaceTx } from '../db/tx.ts';
import { changeEventPayload, type ChangeRow, type RenewalEvidence } from './change-records.ts';
import { refreshCollisions } from './collisions.ts';

/**
 * The end of the renewal loop: a scan showing a host serving another certificate completes the
 * renewal change on that host, with the scan as its evidence. Called by ingest (store-batch.ts)
 * once per stored batch, in its transaction, so the snapshot, the completion, its audit row and
 * its event commit together; recorded as the agent whose scan showed it.
 *
 * A renewal is a change naming a certificate (certificateFingerprint) that has been approved
 * (approved, scheduled or implementing: a draft is not completed behind its approvers' backs).
 * It is done when every host it names was scanned after it was raised serving a certificate other
 * than the one it renews, valid for longer (a rollback to an older certificate is not a renewal).
 * From approved or scheduled it goes straight to completed: the scan is the proof it was carried
 * out, whoever did it.
 *
 * Cost per batch: nothing without TLS snapshots; otherwise one query on a partial index holding
 * only open renewals (0011); the rest only when a candidate shows a new certificate.
 */

const RENEWABLE = ['approved', 'scheduled', 'implementing'];

type Candidate = {
  id: string;
  affected_host_ids: string[];
  certificate_fingerprint: string;
  created_at: Date;
  renewed_not_after: Date | null;
};

type Seen = RenewalEvidence['snapshots'][number];

/** Completes the open renewals this batch proves done; returns how many. */
export async function completeRenewals(
  tx: WorkspaceTx,
  fresh: readonly Snapshot[],
  now: Date,
): Promise<number> {
  const latest = new Map<string, Seen>();
  for (const s of fresh) {
    const leaf = s.tls?.chain[0];
    const hostId = s.target.host_id;
    if (!leaf || !hostId) continue;
    const prev = latest.get(hostId);
    if (prev && prev.scannedAt >= s.scanned_at) continue;
    latest.set(hostId, {
      hostId,
      snapshotId: s.id,
      scannedAt: s.scanned_at,
      fingerprint: leaf.fingerprint_sha256,
      notAfter: leaf.not_after,
    });
  }
  if (latest.size === 0) return 0;
  const { rows: candidates } = await tx.query<Candidate>(
    `SELECT c.id, c.affected_host_ids, c.certificate_fingerprint, c.created_at, cert.not_after AS renewed_not_after
     FROM changes c
     LEFT JOIN certificates cert ON cert.workspace_id = c.workspace_id AND cert.fingerprint = c.certificate_fingerprint
     WHERE c.certificate_fingerprint IS NOT NULL AND c.state IN ('approved', 'scheduled', 'implementing')
       AND c.affected_host_ids && $1::uuid[]`,
    // The states are spelled out (not a parameter) so the planner can use the partial index.
    [[...latest.keys()]],
  );
  let completed = 0;
  for (const candidate of candidates) {
    const proves = (seen: Seen | undefined): seen is Seen =>
      seen !== undefined &&
      seen.fingerprint !== candidate.certificate_fingerprint &&
      Date.parse(seen.scannedAt) > candidate.created_at.getTime() &&
      (candidate.renewed_not_after === null ||
        Date.parse(seen.notAfter) > candidate.renewed_not_after.getTime());
    // Only a host of this batch showing the new certificate can make it complete now.
    if (!candidate.affected_host_ids.some((h) => proves(latest.get(h)))) continue;
    const others = candidate.affected_host_ids.filter((h) => !latest.has(h));
    const evidence = [
      ...candidate.affected_host_ids.flatMap((h) => latest.get(h) ?? []),
      ...(await lastSeen(tx, others)),
    ];
    if (evidence.length !== candidate.affected_host_ids.length || !evidence.every(proves)) continue;
    if (await complete(tx, candidate, evidence, now)) completed += 1;
  }
  return completed;
}

/** The current certificate of hosts outside the batch, from their status. */
async function lastSeen(tx: WorkspaceTx, hostIds: string[]): Promise<Seen[]> {
  if (hostIds.length === 0) return [];
  const { rows } = await tx.query<{
    host_id: string;
    snapshot_id: string;
    scanned_at: Date;
    fingerprint: string;
    not_after: Date;
  }>(
    `SELECT host_id, snapshot_id, scanned_at, fingerprint, not_after FROM host_status
     WHERE host_id = ANY($1::uuid[]) AND fingerprint IS NOT NULL AND not_after IS NOT NULL`,
    [hostIds],
  );
  return rows.map((r) => ({
    hostId: r.host_id,
    snapshotId: r.snapshot_id,
    scannedAt: r.scanned_at.toISOString(),
    fingerprint: r.fingerprint,
    notAfter: r.not_after.toISOString(),
  }));
}

/**
 * Moves the change to completed with its evidence. A change a person holds at this moment (an
 * edit in flight) is skipped, not waited for: ingest never queues behind a person, and the next
 * scan completes it.
 */
async function complete(
  tx: WorkspaceTx,
  candidate: Candidate,
  snapshots: Seen[],
  now: Date,
): Promise<boolean> {
  const { rows: locked } = await tx.query<ChangeRow>(
    'SELECT * FROM changes WHERE id = $1 AND state = ANY($2::text[]) FOR UPDATE SKIP LOCKED',
    [candidate.id, RENEWABLE],
  );
  const before = locked[0];
  if (!before || before.certificate_fingerprint !== candidate.certificate_fingerprint) return false;
  const evidence: RenewalEvidence = {
    kind: 'renewed_certificate',
    renewedFingerprint: candidate.certificate_fingerprint,
    snapshots,
  };
  const { rows } = await tx.query<ChangeRow>(
    `UPDATE changes SET state = 'completed', closed_at = $2, updated_at = $2, evidence = $3
     WHERE id = $1 RETURNING *`,
    [before.id, now, JSON.stringify(evidence)],
  );
  const after = rows[0] as ChangeRow;
  await tx.record({
    action: 'change.transitioned',
    target: { type: 'change', id: after.id },
    summary: {
      before: { state: before.state },
      after: { state: 'completed', automatic: true, evidence },
      reason: 'a scan showed every host it names serving a renewed certificate',
    },
    event: 'change.transitioned',
    payload: { ...changeEventPayload(after), from: before.state, to: 'completed', automatic: true, evidence },
  });
  // A change that is over no longer overlaps the others.
  await refreshCollisions(tx, after, now);
  return true;
}
