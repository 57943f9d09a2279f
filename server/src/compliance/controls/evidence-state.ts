import { EVIDENCE_REMINDER_DAYS } from '@vigilo/shared/frameworks';
import type { WorkspaceTx } from '../../db/tx.ts';

/**
 * Keeps each control's stored `needs_evidence` flag in step with its evidence dates, recording
 * every flip (`control.needs_evidence` when the last current evidence expires or is removed,
 * `control.evidence_current` when evidence becomes current), and announces evidence that expired
 * (`evidence.expired`) or is about to (`evidence.expiring`), each once. Called by evidence.add and
 * evidence.remove for their control, and by the evidence job for the whole workspace.
 */

/** Sets needs_evidence where it is wrong at `now` (all controls, or one) and records each flip. */
export async function refreshNeedsEvidence(
  tx: WorkspaceTx,
  now: Date,
  controlId?: string,
): Promise<Array<{ id: string; needsEvidence: boolean }>> {
  const { rows } = await tx.query<{
    id: string;
    title: string;
    status: string;
    owner_id: string | null;
    needs_evidence: boolean;
  }>(
    `UPDATE controls c SET needs_evidence = NOT current.found
     FROM (SELECT c2.id, EXISTS (SELECT 1 FROM evidence e WHERE e.control_id = c2.id AND e.effective_at <= $2
                                   AND (e.expires_at IS NULL OR e.expires_at > $2)) AS found
           FROM controls c2 WHERE c2.workspace_id = $1 AND ($3::uuid IS NULL OR c2.id = $3)) current
     WHERE c.id = current.id AND c.needs_evidence = current.found
     RETURNING c.id::text, c.title, c.status, c.owner_id::text, c.needs_evidence`,
    [tx.workspaceId, now, controlId ?? null],
  );
  for (const r of rows) {
    const event = r.needs_evidence ? 'control.needs_evidence' : 'control.evidence_current';
    await tx.record({
      action: event,
      target: { type: 'control', id: r.id },
      summary: { before: { needsEvidence: !r.needs_evidence }, after: { needsEvidence: r.needs_evidence } },
      event,
      payload: {
        id: r.id,
        title: r.title,
        status: r.status,
        ownerId: r.owner_id,
        needsEvidence: r.needs_evidence,
      },
    });
  }
  return rows.map((r) => ({ id: r.id, needsEvidence: r.needs_evidence }));
}

/**
 * The evidence job's work in one workspace: announce expired evidence, then evidence expiring
 * within EVIDENCE_REMINDER_DAYS, then flip the controls. Each announcement is marked on the row so
 * the next run does not repeat it; moving an expiry is a new piece of evidence, not an edit.
 */
export async function sweepEvidence(
  tx: WorkspaceTx,
  now: Date,
): Promise<{ expired: number; expiring: number; flipped: number }> {
  const expired = await announce(tx, now, 'expired');
  const expiring = await announce(tx, now, 'expiring');
  const flipped = await refreshNeedsEvidence(tx, now);
  return { expired, expiring, flipped: flipped.length };
}

async function announce(tx: WorkspaceTx, now: Date, what: 'expired' | 'expiring'): Promise<number> {
  const { rows } = await tx.query<{
    id: string;
    title: string;
    control_id: string;
    control_title: string;
    owner_id: string | null;
    expires_at: Date;
  }>(
    what === 'expired'
      ? `UPDATE evidence e SET expiry_announced = true, reminder_announced = true FROM controls c
         WHERE c.id = e.control_id AND e.workspace_id = $1 AND NOT e.expiry_announced AND e.expires_at <= $2
         RETURNING e.id::text, e.title, c.id::text AS control_id, c.title AS control_title, c.owner_id::text, e.expires_at`
      : `UPDATE evidence e SET reminder_announced = true FROM controls c
         WHERE c.id = e.control_id AND e.workspace_id = $1 AND NOT e.reminder_announced AND e.expires_at > $2
           AND e.expires_at <= $2::timestamptz + make_interval(days => $3)
         RETURNING e.id::text, e.title, c.id::text AS control_id, c.title AS control_title, c.owner_id::text, e.expires_at`,
    what === 'expired' ? [tx.workspaceId, now] : [tx.workspaceId, now, EVIDENCE_REMINDER_DAYS],
  );
  const event = what === 'expired' ? 'evidence.expired' : 'evidence.expiring';
  for (const r of rows)
    await tx.record({
      action: event,
      target: { type: 'evidence', id: r.id },
      summary: { after: { expiresAt: r.expires_at.toISOString() } },
      event,
      payload: {
        id: r.id,
        title: r.title,
        controlId: r.control_id,
        controlTitle: r.control_title,
        ownerId: r.owner_id,
        expiresAt: r.expires_at.toISOString(),
      },
    });
  return rows.length;
}
