import {
  attainment,
  budgetRemaining,
  BURN_WINDOW_MINUTES,
  type BurnWindowMinutes,
  burnAlertsFiring,
  type SloCreateInput,
  type SloKind,
  type SloStatus,
  type SloUpdateInput,
  type SloWindowDays,
} from '@vigilo/shared/slo';
import type { WorkspaceTx } from '../db/tx.ts';
import { isUniqueViolation } from '../db/pg-errors.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';

/**
 * SLOs (issue 15): definitions and their last evaluation. The evaluation itself (counting scans,
 * opening and resolving burn-rate alerts) is slo-evaluation.ts, run by the scheduler.
 */

export type SloRow = {
  id: string;
  name: string;
  kind: SloKind;
  host_id: string | null;
  tag: string | null;
  objective: string;
  window_days: SloWindowDays;
  threshold_ms: number | null;
  escalation_policy_id: string | null;
  good: string;
  total: string;
  burn_rates: Partial<Record<string, number>>;
  evaluated_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

/** An SLO with its budget and burn rates as of its last evaluation. */
export function sloStatusOf(r: SloRow): SloStatus {
  const objective = Number(r.objective);
  const window = { good: Number(r.good), total: Number(r.total) };
  const burnRates = Object.fromEntries(
    BURN_WINDOW_MINUTES.map((m) => [m, r.burn_rates[String(m)] ?? 0]),
  ) as Record<BurnWindowMinutes, number>;
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    scope: r.host_id ? { type: 'host', hostId: r.host_id } : { type: 'tag', tag: r.tag ?? '' },
    objective,
    windowDays: r.window_days,
    thresholdMs: r.threshold_ms,
    escalationPolicyId: r.escalation_policy_id,
    window,
    attainment: attainment(window),
    budgetRemaining: budgetRemaining(window, objective),
    burnRates,
    firing: [...burnAlertsFiring(burnRates)],
    evaluatedAt: (r.evaluated_at ?? r.created_at).toISOString(),
  };
}

export async function listSlos(tx: WorkspaceTx): Promise<SloStatus[]> {
  const { rows } = await tx.query<SloRow>('SELECT * FROM slos ORDER BY name, id');
  return rows.map(sloStatusOf);
}

export async function getSlo(tx: WorkspaceTx, id: string): Promise<SloStatus> {
  const { rows } = await tx.query<SloRow>('SELECT * FROM slos WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'no such SLO');
  return sloStatusOf(row);
}

/** Creates an SLO; its first evaluation comes with the scheduler's next run. */
export async function createSlo(tx: WorkspaceTx, input: SloCreateInput, now: Date): Promise<SloStatus> {
  if (input.scope.type === 'host') {
    const host = await tx.query('SELECT 1 FROM hosts WHERE id = $1', [input.scope.hostId]);
    if (host.rowCount === 0) throw invalidField(['scope', 'hostId'], 'no such host in this workspace');
  }
  await refuseTakenName(tx, input.name, null);
  await requirePolicy(tx, input.escalationPolicyId);
  let row: SloRow;
  try {
    const { rows } = await tx.query<SloRow>(
      `INSERT INTO slos (workspace_id, name, kind, host_id, tag, objective, window_days, threshold_ms, escalation_policy_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING *`,
      [
        tx.workspaceId,
        input.name,
        input.kind,
        input.scope.type === 'host' ? input.scope.hostId : null,
        input.scope.type === 'tag' ? input.scope.tag : null,
        input.objective,
        input.windowDays,
        input.thresholdMs,
        input.escalationPolicyId,
        now,
      ],
    );
    row = rows[0] as SloRow;
  } catch (err) {
    if (isUniqueViolation(err)) throw invalidField(['name'], 'an SLO with this name exists already');
    throw err;
  }
  const slo = sloStatusOf(row);
  await tx.record({
    action: 'slo.created',
    target: { type: 'slo', id: row.id },
    summary: { after: definitionOf(slo) },
    event: 'slo.created',
    payload: { sloId: row.id, name: row.name },
  });
  return slo;
}

/**
 * Changes an SLO's name, objective, window, threshold or escalation policy; what it covers and
 * counts stays.
 */
export async function updateSlo(tx: WorkspaceTx, patch: SloUpdateInput, now: Date): Promise<SloStatus> {
  const { rows: found } = await tx.query<SloRow>('SELECT * FROM slos WHERE id = $1 FOR UPDATE', [patch.id]);
  const beforeRow = found[0];
  if (!beforeRow) throw new ActionRefused('not_found', 'no such SLO');
  const before = sloStatusOf(beforeRow);
  const thresholdMs = patch.thresholdMs === undefined ? before.thresholdMs : patch.thresholdMs;
  if (before.kind === 'latency' && thresholdMs === null)
    throw invalidField(['thresholdMs'], 'thresholdMs is required for a latency SLO');
  if (before.kind === 'availability' && thresholdMs !== null)
    throw invalidField(['thresholdMs'], 'thresholdMs applies to latency SLOs only');
  if (patch.name !== undefined) await refuseTakenName(tx, patch.name, patch.id);
  const policyId =
    patch.escalationPolicyId === undefined ? before.escalationPolicyId : patch.escalationPolicyId;
  await requirePolicy(tx, policyId);
  const { rows } = await tx.query<SloRow>(
    `UPDATE slos SET name = $2, objective = $3, window_days = $4, threshold_ms = $5, escalation_policy_id = $6,
     updated_at = $7 WHERE id = $1 RETURNING *`,
    [
      patch.id,
      patch.name ?? before.name,
      patch.objective ?? before.objective,
      patch.windowDays ?? before.windowDays,
      thresholdMs,
      policyId,
      now,
    ],
  );
  const after = sloStatusOf(rows[0] as SloRow);
  await tx.record({
    action: 'slo.updated',
    target: { type: 'slo', id: after.id },
    summary: { before: definitionOf(before), after: definitionOf(after) },
    event: 'slo.updated',
    payload: { sloId: after.id, name: after.name },
  });
  return after;
}

/** Removes an SLO; its alerts go with it (ON DELETE CASCADE), as a rule's do. */
export async function removeSlo(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const { rows } = await tx.query<SloRow>('DELETE FROM slos WHERE id = $1 RETURNING *', [id]);
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'no such SLO');
  await tx.record({
    action: 'slo.removed',
    target: { type: 'slo', id },
    summary: { before: definitionOf(sloStatusOf(row)) },
    event: 'slo.removed',
    payload: { sloId: id, name: row.name },
  });
  return { id };
}

/**
 * Refuses a policy that is not this workspace's, naming the field: row security makes another
 * workspace's policy look like none (and migration 0025's key refuses it in the database too).
 * FOR SHARE keeps it from being removed before this commits.
 */
async function requirePolicy(tx: WorkspaceTx, policyId: string | null): Promise<void> {
  if (policyId === null) return;
  const found = await tx.query('SELECT 1 FROM escalation_policies WHERE id = $1 FOR SHARE', [policyId]);
  if (!found.rowCount)
    throw invalidField(['escalationPolicyId'], 'no such escalation policy in this workspace');
}

async function refuseTakenName(tx: WorkspaceTx, name: string, self: string | null): Promise<void> {
  const { rowCount } = await tx.query('SELECT 1 FROM slos WHERE name = $1 AND id IS DISTINCT FROM $2', [
    name,
    self,
  ]);
  if (rowCount) throw invalidField(['name'], 'an SLO with this name exists already');
}

function definitionOf(s: SloStatus) {
  return {
    name: s.name,
    kind: s.kind,
    scope: s.scope,
    objective: s.objective,
    windowDays: s.windowDays,
    thresholdMs: s.thresholdMs,
    escalationPolicyId: s.escalationPolicyId,
  };
}
