import type { RiskAnswers, RiskLevel, RiskReason } from '@vigilo/shared/change-risk';
import {
  allowedTransitions,
  type ChangeState,
  changeStateSchema,
  type ChangeType,
  changeTypeSchema,
  retrospectiveOverdue,
} from '@vigilo/shared/change-states';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';

/** A change as stored (snake case, straight from `changes`). */
export type ChangeRow = {
  id: string;
  type: string;
  state: string;
  title: string;
  description: string;
  implementation_plan: string;
  rollback_plan: string;
  test_plan: string;
  planned_start: Date | null;
  planned_end: Date | null;
  affected_host_ids: string[];
  affected_tags: string[];
  certificate_fingerprint: string | null;
  alert_ids: string[];
  incident_ids: string[];
  requester_id: string;
  assignee_id: string | null;
  risk_answers: RiskAnswers;
  risk_level: RiskLevel;
  risk_score: number;
  risk_reasons: RiskReason[];
  template_id: string | null;
  policy_id: string | null;
  revision: number;
  retrospective_due_at: Date | null;
  retrospective_done: boolean;
  created_at: Date;
  updated_at: Date;
  submitted_at: Date | null;
  approved_at: Date | null;
  closed_at: Date | null;
  /** What completed it without a person (0011): the snapshots showing a renewed certificate. */
  evidence: RenewalEvidence | null;
};

/** The scans that showed a renewal done: each affected host serving a new certificate. */
export type RenewalEvidence = {
  kind: 'renewed_certificate';
  renewedFingerprint: string;
  snapshots: Array<{
    hostId: string;
    snapshotId: string;
    scannedAt: string;
    fingerprint: string;
    notAfter: string;
  }>;
};

/** A change as the API returns it. */
export type Change = {
  id: string;
  type: ChangeType;
  state: ChangeState;
  title: string;
  description: string;
  implementationPlan: string;
  rollbackPlan: string;
  testPlan: string;
  plannedStart: Date | null;
  plannedEnd: Date | null;
  affectedHostIds: string[];
  affectedTags: string[];
  certificateFingerprint: string | null;
  alertIds: string[];
  incidentIds: string[];
  requesterId: string;
  assigneeId: string | null;
  risk: { level: RiskLevel; score: number; reasons: RiskReason[]; answers: RiskAnswers };
  templateId: string | null;
  policyId: string | null;
  revision: number;
  retrospectiveDueAt: Date | null;
  retrospectiveDone: boolean;
  /** An emergency change whose retrospective review is late (computed with the server's clock). */
  retrospectiveOverdue: boolean;
  /** The states a person may move it to now (approved / rejected come from its approvals). */
  allowedTransitions: ChangeState[];
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  approvedAt: Date | null;
  closedAt: Date | null;
  evidence: RenewalEvidence | null;
};

/** The stored row as the API's shape, with what is computed on read at `now`. */
export function changeView(row: ChangeRow, now: Date): Change {
  const state = changeStateSchema.parse(row.state);
  const retrospective = {
    retrospectiveDueAt: row.retrospective_due_at,
    retrospectiveDone: row.retrospective_done,
  };
  return {
    id: row.id,
    type: changeTypeSchema.parse(row.type),
    state,
    title: row.title,
    description: row.description,
    implementationPlan: row.implementation_plan,
    rollbackPlan: row.rollback_plan,
    testPlan: row.test_plan,
    plannedStart: row.planned_start,
    plannedEnd: row.planned_end,
    affectedHostIds: row.affected_host_ids,
    affectedTags: row.affected_tags,
    certificateFingerprint: row.certificate_fingerprint,
    alertIds: row.alert_ids,
    incidentIds: row.incident_ids,
    requesterId: row.requester_id,
    assigneeId: row.assignee_id,
    risk: {
      level: row.risk_level,
      score: row.risk_score,
      reasons: row.risk_reasons,
      answers: row.risk_answers,
    },
    templateId: row.template_id,
    policyId: row.policy_id,
    revision: row.revision,
    ...retrospective,
    retrospectiveOverdue: retrospectiveOverdue(retrospective, now),
    allowedTransitions: allowedTransitions(state),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    submittedAt: row.submitted_at,
    approvedAt: row.approved_at,
    closedAt: row.closed_at,
    evidence: row.evidence ?? null,
  };
}

/** Reads a change, or refuses when it does not exist (or is another workspace's). */
export async function findChange(tx: WorkspaceTx, id: string): Promise<ChangeRow> {
  const { rows } = await tx.query<ChangeRow>('SELECT * FROM changes WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'no such change in this workspace');
  return row;
}

/**
 * Locks a change for the rest of the transaction. Every write to a change or its approvals takes
 * this lock first, so two approvers deciding at once queue here: the second reads what the first
 * committed and is refused with it.
 */
export async function lockChange(tx: WorkspaceTx, id: string): Promise<ChangeRow> {
  const { rows } = await tx.query<ChangeRow>('SELECT * FROM changes WHERE id = $1 FOR UPDATE', [id]);
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'no such change in this workspace');
  return row;
}

/** Refuses when the caller saw another revision than the current one. */
export function requireRevision(row: ChangeRow, seen: number | undefined): void {
  if (seen !== undefined && seen !== row.revision)
    throw new ActionRefused(
      'stale',
      `the change was edited since you opened it (you saw revision ${seen}, it is now ${row.revision}): reload it`,
    );
}

/** What an event says about a change. */
export function changeEventPayload(row: ChangeRow): Record<string, unknown> {
  return {
    changeId: row.id,
    title: row.title,
    type: row.type,
    state: row.state,
    risk: row.risk_level,
    revision: row.revision,
    requesterId: row.requester_id,
  };
}
