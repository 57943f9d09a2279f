import type { ChangeState } from '@vigilo/shared/change-states';
import type { ChangeDetail } from '../../../bridge/changes.ts';
import { useStore } from '../../store.ts';

/** What each move is called on its button. */
const MOVE_WORDS: Record<ChangeState, string> = {
  draft: 'Withdraw to draft',
  submitted: 'Submit for approval',
  approved: 'Approve',
  scheduled: 'Schedule',
  implementing: 'Start implementing',
  completed: 'Mark completed',
  failed: 'Mark failed',
  rolled_back: 'Mark rolled back',
  rejected: 'Reject',
  cancelled: 'Cancel the change',
};

/**
 * The moves a person may make from the change's state (shared/src/change-states.ts), each one
 * button; approving and rejecting happen on the Approvals page. The outcome, or the server's
 * refusal, is shown in words under them.
 */
export function ChangeMoves({ detail }: { detail: ChangeDetail }) {
  const message = useStore((s) => s.changeMessage);
  const waiting = detail.waitingOnMe;
  return (
    <div className="actions-block">
      <div className="actions" data-testid="change-moves">
        {detail.allowedTransitions.map((to) => (
          <button key={to} onClick={() => void useStore.getState().transitionChange(to)}>
            {MOVE_WORDS[to]}
          </button>
        ))}
        {waiting && !waiting.myDecision ? (
          <button onClick={() => void useStore.getState().showApprovalOf(detail.id)}>
            Decide on the Approvals page
          </button>
        ) : null}
        {detail.allowedTransitions.length === 0 ? (
          <span className="muted">No move is left: this state is final.</span>
        ) : null}
      </div>
      {message ? (
        <p role="status" data-testid="change-message" className={message.ok ? 'ok' : 'bad'}>
          {message.text}
        </p>
      ) : null}
    </div>
  );
}
