import { type ControlState, controlState, EVIDENCE_REMINDER_DAYS } from '@vigilo/shared/frameworks';
import type { WorkspaceTx } from '../../db/tx.ts';
import { type Control, CONTROL_SELECT, type ControlRow, toControl } from './control-records.ts';

/** What `controls.list` narrows by. */
export type ControlFilter = {
  /** Controls mapped to a requirement of this framework (key). */
  framework?: string | undefined;
  state?: ControlState[] | undefined;
  ownerId?: string | undefined;
  limit: number;
};

const ORDER: Record<ControlState, number> = {
  needs_evidence: 0,
  not_implemented: 1,
  partial: 2,
  implemented: 3,
};

/**
 * The workspace's controls read at `now`, those needing evidence first (what the Controls page
 * leads with), then not implemented, partial, implemented; by title within each.
 */
export async function listControls(tx: WorkspaceTx, f: ControlFilter, now: Date): Promise<Control[]> {
  const { rows } = await tx.query<ControlRow>(
    `${CONTROL_SELECT}
     WHERE c.workspace_id = $1
       AND ($3::uuid IS NULL OR c.owner_id = $3)
       AND ($4::text IS NULL OR EXISTS (
         SELECT 1 FROM control_requirements cr JOIN framework_requirements r ON r.id = cr.requirement_id
         JOIN frameworks fw ON fw.id = r.framework_id WHERE cr.control_id = c.id AND fw.key = $4))
     ORDER BY c.title, c.id`,
    [tx.workspaceId, now, f.ownerId ?? null, f.framework ?? null],
  );
  return rows
    .map(toControl)
    .filter((c) => !f.state || f.state.includes(c.state))
    .sort((a, b) => ORDER[a.state] - ORDER[b.state])
    .slice(0, f.limit);
}

/** Evidence about to expire, with its control, for `controls.reminders`. */
export type ExpiringEvidence = {
  evidenceId: string;
  title: string;
  controlId: string;
  controlTitle: string;
  ownerId: string | null;
  expiresAt: Date;
  daysLeft: number;
};

/**
 * What needs someone's attention at `now`: evidence expiring within `days` (30 by default, the
 * window the evidence job announces `evidence.expiring` for), soonest first, and the partial or
 * implemented controls that already need evidence.
 */
export async function controlReminders(
  tx: WorkspaceTx,
  input: { now: Date; days?: number | undefined },
): Promise<{ expiring: ExpiringEvidence[]; needsEvidence: Control[] }> {
  const days = input.days ?? EVIDENCE_REMINDER_DAYS;
  const { rows } = await tx.query<{
    id: string;
    title: string;
    control_id: string;
    control_title: string;
    owner_id: string | null;
    expires_at: Date;
  }>(
    `SELECT e.id::text, e.title, c.id::text AS control_id, c.title AS control_title, c.owner_id::text, e.expires_at
     FROM evidence e JOIN controls c ON c.id = e.control_id
     WHERE e.workspace_id = $1 AND e.expires_at > $2 AND e.expires_at <= $2::timestamptz + make_interval(days => $3)
     ORDER BY e.expires_at, e.id`,
    [tx.workspaceId, input.now, days],
  );
  const controls = await listControls(tx, { state: ['needs_evidence'], limit: 1000 }, input.now);
  return {
    expiring: rows.map((r) => ({
      evidenceId: r.id,
      title: r.title,
      controlId: r.control_id,
      controlTitle: r.control_title,
      ownerId: r.owner_id,
      expiresAt: r.expires_at,
      daysLeft: Math.ceil((r.expires_at.getTime() - input.now.getTime()) / 86_400_000),
    })),
    needsEvidence: controls.filter((c) => controlState(c.status, c.needsEvidence) === 'needs_evidence'),
  };
}
