import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import type { RequestRow } from './approval-flow.ts';
import type { ChangeRow } from './change-records.ts';
import { displayNames } from './people.ts';

/**
 * Why a decision arrives too late, in the words the desktop shows when an offline approval comes
 * back as a conflict: "Alice approved it first", "the change was withdrawn", "the change was
 * edited after you were asked". A request already decided is `already_decided`; one whose change
 * moved on or changed is `stale`.
 */

/** A decision as stored. */
export type DecisionRow = {
  id: string;
  request_id: string;
  decided_by: string;
  on_behalf_of: string | null;
  decision: 'approve' | 'reject';
  comment: string;
  revision: number;
  decided_at: Date;
  /** The CAB meeting whose decision this is (0011); null for an approver's own. */
  cab_meeting_id: string | null;
};

const CLOSED_WORDS: Record<NonNullable<RequestRow['closed_reason']>, string> = {
  withdrawn: 'the change was withdrawn',
  cancelled: 'the change was cancelled',
  edited: 'the change was edited after you were asked',
  rejected: 'the change was rejected at an earlier step',
};

/**
 * Refuses a decision on a request that is no longer open, or on a change edited since the request
 * was sent (or since the revision the approver saw).
 */
export async function refuseClosed(
  tx: WorkspaceTx,
  change: ChangeRow,
  request: RequestRow,
  decisions: DecisionRow[],
  me: string,
  seenRevision: number | undefined,
): Promise<void> {
  switch (request.state) {
    case 'pending':
      break;
    case 'approved':
    case 'rejected': {
      const decision = request.state === 'approved' ? 'approve' : 'reject';
      const deciders = decisions.filter((d) => d.decision === decision).map((d) => d.decided_by);
      const verb = request.state;
      if (deciders.includes(me)) throw new ActionRefused('already_decided', `you already ${verb} it`);
      const names = await displayNames(tx, deciders);
      const who = deciders.map((id) => names.get(id)).join(' and ') || 'another approver';
      throw new ActionRefused('already_decided', `${who} ${verb} it first`);
    }
    case 'superseded':
      throw new ActionRefused('stale', CLOSED_WORDS[request.closed_reason ?? 'edited']);
    case 'waiting':
      throw new ActionRefused(
        'stale',
        `step ${request.position} (${request.step_name}) is not open yet: the steps before it come first`,
      );
    default: {
      const never: never = request.state;
      throw new Error(`unknown approval request state ${String(never)}`);
    }
  }
  // A retrospective reviews what was done, whatever was edited after the approval.
  if (request.kind === 'retrospective') return;
  if (change.state !== 'submitted')
    throw new ActionRefused(
      'stale',
      `the change is ${change.state.replace('_', ' ')} now: it no longer needs approval`,
    );
  const seen = seenRevision ?? request.revision;
  if (seen !== change.revision || request.revision !== change.revision)
    throw new ActionRefused('stale', CLOSED_WORDS.edited);
}
