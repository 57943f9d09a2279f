import type { ApprovalStep } from '@vigilo/shared/change-inputs';
import { type RiskLevel, riskRank } from '@vigilo/shared/change-risk';
import type { WorkspaceTx } from '../db/tx.ts';
import type { ChangeRow } from './change-records.ts';
import { affectedHosts } from './risk.ts';

/**
 * Which approval policy governs a change: the first enabled one, by priority, whose filters all
 * match the change's type, risk and tags (its own tags and those of the hosts it names). No match
 * leaves the default: one step, any approver, quorum one.
 */

/** A policy as stored. */
export type PolicyRow = {
  id: string;
  name: string;
  priority: number;
  change_types: string[];
  min_risk: RiskLevel | null;
  tags: string[];
  steps: ApprovalStep[];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
};

/** What a change needs when no policy matches it. */
export const DEFAULT_STEP: ApprovalStep = {
  name: 'Approval',
  approverIds: [],
  group: 'approver',
  quorum: 1,
  cab: false,
};

/** True when the policy's filters all hold for a change of this type, risk and tags. */
export function policyMatches(
  policy: Pick<PolicyRow, 'enabled' | 'change_types' | 'min_risk' | 'tags'>,
  change: { type: string; risk: RiskLevel; tags: ReadonlySet<string> },
): boolean {
  return (
    policy.enabled &&
    (policy.change_types.length === 0 || policy.change_types.includes(change.type)) &&
    (policy.min_risk === null || riskRank(change.risk) >= riskRank(policy.min_risk)) &&
    (policy.tags.length === 0 || policy.tags.some((t) => change.tags.has(t)))
  );
}

/** The policy governing a change as it is now, or undefined for the default step. */
export async function matchPolicy(tx: WorkspaceTx, change: ChangeRow): Promise<PolicyRow | undefined> {
  const hosts = await affectedHosts(tx, change.affected_host_ids, []);
  const tags = new Set([...change.affected_tags, ...hosts.flatMap((h) => h.tags)]);
  const { rows } = await tx.query<PolicyRow>(
    'SELECT * FROM approval_policies WHERE enabled ORDER BY priority, created_at, id',
  );
  return rows.find((p) => policyMatches(p, { type: change.type, risk: change.risk_level, tags }));
}
