import { verifyAudit } from '../../platform/audit-log.ts';
import type { ControlTestEvaluator } from './types.ts';

/**
 * The workspace's audit chain verifies: every row matches its hash and links to the one before,
 * and the log ends where the workspace's head says (the same walk as audit.verify). The one
 * subject is the chain, with the first broken row when there is one.
 */
export const auditChainVerifies: ControlTestEvaluator = async (tx) => {
  const result = await verifyAudit(tx);
  const broken = result.broken;
  return {
    status: result.ok ? 'pass' : 'fail',
    summary: broken
      ? `The audit chain breaks at row ${broken.seq}: ${broken.detail}.`
      : `All ${result.checked} audit row(s) verify.`,
    subjects: [
      {
        type: 'audit_chain',
        id: tx.workspaceId,
        ok: result.ok,
        fields: {
          checked: result.checked,
          brokenSeq: broken?.seq ?? null,
          reason: broken?.reason ?? null,
        },
      },
    ],
  };
};
