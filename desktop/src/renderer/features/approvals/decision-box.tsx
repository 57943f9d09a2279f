import { useEffect, useRef, useState } from 'react';
import type { ApprovalItem } from '../../../bridge/changes.ts';
import { useStore } from '../../store.ts';

/**
 * Where the decision is written: y opened it to approve (a comment is optional), n to reject (a
 * comment is required: the requester reads why). Enter sends, Esc puts it away. Sent through the
 * outbox: it shows at once, online or not.
 */
export function DecisionBox({ item }: { item: ApprovalItem }) {
  const draft = useStore((s) => s.decisionDraft);
  const [comment, setComment] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (draft) box.current?.focus();
  }, [draft]);
  useEffect(() => setComment(''), [item.requestId]);

  const s = useStore.getState();
  if (item.myDecision)
    return (
      <p className="decided" data-testid="my-decision">
        You {item.myDecision === 'approve' ? 'approved' : 'rejected'} it
        {item.pending ? ': waiting to send' : ''}.
      </p>
    );
  const needsComment = draft?.decision === 'reject' && !comment.trim();
  const send = () => {
    if (!draft || needsComment) return;
    void s.decide(item, draft.decision, comment);
    setComment('');
    box.current?.blur();
  };
  return (
    <div className="decision">
      <div className="actions">
        <button onClick={() => s.setDecisionDraft({ decision: 'approve' })}>Approve (y)</button>
        <button onClick={() => s.setDecisionDraft({ decision: 'reject' })}>Reject (n)</button>
      </div>
      {item.onBehalfOf.length && !item.asApprover ? (
        <p className="muted">
          You decide as the delegate of {item.onBehalfOf.map((p) => p.name).join(', ')}.
        </p>
      ) : null}
      {draft ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            send();
          }}
        >
          <label htmlFor="decision-comment">
            {draft.decision === 'approve' ? 'Approve, with a comment if you like' : 'Reject: say why'}
          </label>
          <textarea
            id="decision-comment"
            ref={box}
            rows={2}
            maxLength={2000}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                send();
              } else if (e.key === 'Escape') {
                s.setDecisionDraft(undefined);
                box.current?.blur();
              }
            }}
          />
          <button type="submit" disabled={needsComment}>
            {draft.decision === 'approve' ? 'Approve' : 'Reject'}
          </button>
        </form>
      ) : null}
    </div>
  );
}
