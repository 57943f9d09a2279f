import type { ApprovalPolicyInput, ApprovalPolicyPatch, ApprovalStep } from '@vigilo/shared/change-inputs';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { groupMembers, requireMembers } from './people.ts';
import type { PolicyRow } from './policy-match.ts';

/**
 * Approval policies: which changes need whom (policy-match.ts applies them). Each step names
 * approvers — members who can approve, and/or a group (a role and those above it) — and a quorum
 * that the step's approvers can reach. Changing a policy affects changes submitted afterwards;
 * those already asked keep the requests they were sent.
 */

/** A policy as the API returns it. */
export function policyView(r: PolicyRow) {
  return {
    id: r.id,
    name: r.name,
    priority: r.priority,
    changeTypes: r.change_types,
    minRisk: r.min_risk,
    tags: r.tags,
    steps: r.steps,
    enabled: r.enabled,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
export type ApprovalPolicy = ReturnType<typeof policyView>;

/** Every policy in the order they are tried. */
export async function listPolicies(tx: WorkspaceTx): Promise<ApprovalPolicy[]> {
  const { rows } = await tx.query<PolicyRow>(
    'SELECT * FROM approval_policies ORDER BY priority, created_at, id',
  );
  return rows.map(policyView);
}

/**
 * Refuses steps whose approvers are not members who can approve, that name nobody, or whose
 * quorum is larger than the people they name (counted now), naming the step's field.
 */
async function requireSteps(tx: WorkspaceTx, steps: ApprovalStep[], now: Date): Promise<void> {
  for (const [i, step] of steps.entries()) {
    await requireMembers(tx, step.approverIds, ['steps', i, 'approverIds'], now, 'approve');
    const people = new Set([...step.approverIds, ...(await groupMembers(tx, step.group, now))]);
    if (people.size === 0)
      throw invalidField(['steps', i, 'approverIds'], 'name at least one approver, or a group with members');
    if (step.quorum !== 'all' && step.quorum > people.size)
      throw invalidField(
        ['steps', i, 'quorum'],
        `quorum ${step.quorum} is larger than the ${people.size} approver(s) this step names`,
      );
  }
}

export async function createPolicy(
  tx: WorkspaceTx,
  input: ApprovalPolicyInput,
  now: Date,
): Promise<ApprovalPolicy> {
  await requireSteps(tx, input.steps, now);
  const { rows } = await tx.query<PolicyRow>(
    `INSERT INTO approval_policies (workspace_id, name, priority, change_types, min_risk, tags, steps, enabled, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (workspace_id, name) DO NOTHING RETURNING *`,
    [
      tx.workspaceId,
      input.name,
      input.priority,
      input.changeTypes,
      input.minRisk,
      input.tags,
      JSON.stringify(input.steps),
      input.enabled,
      now,
    ],
  );
  const row = rows[0];
  if (!row) throw invalidField(['name'], `a policy named "${input.name}" already exists`);
  await tx.record({
    action: 'approval_policy.created',
    target: { type: 'approval_policy', id: row.id },
    summary: { after: policySummary(row) },
    event: 'approval_policy.created',
    payload: { policyId: row.id, name: row.name },
  });
  return policyView(row);
}

const COLUMNS = {
  name: 'name',
  priority: 'priority',
  changeTypes: 'change_types',
  minRisk: 'min_risk',
  tags: 'tags',
  steps: 'steps',
  enabled: 'enabled',
} as const;
type Field = keyof typeof COLUMNS;

export async function updatePolicy(
  tx: WorkspaceTx,
  input: ApprovalPolicyPatch,
  now: Date,
): Promise<ApprovalPolicy> {
  const before = (
    await tx.query<PolicyRow>('SELECT * FROM approval_policies WHERE id = $1 FOR UPDATE', [input.id])
  ).rows[0];
  if (!before) throw new ActionRefused('not_found', 'no such approval policy in this workspace');
  if (input.steps) await requireSteps(tx, input.steps, now);
  const given = (Object.keys(COLUMNS) as Field[]).filter((f) => input[f] !== undefined);
  if (given.length === 0) return policyView(before);
  const values = given.map((f) => (f === 'steps' ? JSON.stringify(input.steps) : input[f]));
  const sets = given.map((f, i) => `${COLUMNS[f]} = $${i + 2}`);
  if (input.name !== undefined && input.name !== before.name) {
    const taken = await tx.query('SELECT 1 FROM approval_policies WHERE name = $1 AND id <> $2', [
      input.name,
      input.id,
    ]);
    if (taken.rowCount) throw invalidField(['name'], `a policy named "${input.name}" already exists`);
  }
  const { rows } = await tx.query<PolicyRow>(
    `UPDATE approval_policies SET ${sets.join(', ')}, updated_at = $${given.length + 2} WHERE id = $1 RETURNING *`,
    [input.id, ...values, now],
  );
  const row = rows[0] as PolicyRow;
  await tx.record({
    action: 'approval_policy.updated',
    target: { type: 'approval_policy', id: row.id },
    summary: { before: policySummary(before), after: policySummary(row) },
    event: 'approval_policy.updated',
    payload: { policyId: row.id, name: row.name, fields: given },
  });
  return policyView(row);
}

export async function removePolicy(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const { rows } = await tx.query<PolicyRow>('DELETE FROM approval_policies WHERE id = $1 RETURNING *', [id]);
  const removed = rows[0];
  if (!removed) throw new ActionRefused('not_found', 'no such approval policy in this workspace');
  await tx.record({
    action: 'approval_policy.removed',
    target: { type: 'approval_policy', id },
    summary: { before: policySummary(removed) },
    event: 'approval_policy.removed',
    payload: { policyId: id, name: removed.name },
  });
  return { id };
}

function policySummary(r: PolicyRow): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, id: _id, ...rest } = policyView(r);
  return rest;
}
