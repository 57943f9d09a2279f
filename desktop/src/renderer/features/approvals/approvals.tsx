import { useEffect } from 'react';
import { useStore } from '../../store.ts';
import { ChangeDetailPane } from '../changes/change-detail.tsx';
import { DecisionBox } from './decision-box.tsx';

/** Keys typed into a field are text, not shortcuts. */
const typing = (t: EventTarget | null) =>
  t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;

const RISK_WORD: Record<string, string> = { low: 'low risk', moderate: 'moderate risk', high: 'high risk' };

/**
 * Approvals: everything waiting on me (also as a delegate), oldest first, with the selected
 * change beside it — risk reasons, collisions, approval trail. Keyboard-first: j / k move, y
 * approves and n rejects (each with a comment box; Enter sends), o opens the change on the
 * Changes page. Decisions go through the outbox, so they work offline; one the server refuses
 * (someone decided first, the change was withdrawn) is rolled back and explained above.
 */
export function Approvals() {
  const items = useStore((s) => s.approvals);
  const selected = useStore((s) => s.approvalSelected);
  const detail = useStore((s) => s.approvalDetail);
  const item = items[selected];

  useEffect(() => {
    void useStore.getState().loadApprovals();
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.metaKey || e.ctrlKey || e.altKey) return;
      const s = useStore.getState();
      const current = s.approvals[s.approvalSelected];
      if (e.key === 'j') s.moveApproval(1);
      else if (e.key === 'k') s.moveApproval(-1);
      else if (e.key === 'y' && current && !current.myDecision) s.setDecisionDraft({ decision: 'approve' });
      else if (e.key === 'n' && current && !current.myDecision) s.setDecisionDraft({ decision: 'reject' });
      else if (e.key === 'o' && current) {
        s.go('changes');
        void s.openChange(current.changeId);
      } else if (e.key === 'Escape') s.setDecisionDraft(undefined);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className={detail ? 'approvals with-pane' : 'approvals'}>
      <section aria-label="Approvals" data-testid="page-approvals">
        <h1>
          Approvals{' '}
          <span className="badge" data-testid="approvals-count">
            {items.filter((a) => !a.myDecision).length}
          </span>
        </h1>
        <p className="hint">
          j / k move · y approve · n reject · Enter sends the decision · o open the change
        </p>
        {items.length === 0 ? <p className="muted">No approvals wait on you.</p> : null}
        <div className="list short" role="listbox" aria-label="Waiting on me" data-empty={items.length === 0}>
          {items.map((a, i) => (
            <div
              key={a.requestId}
              role="option"
              aria-selected={i === selected}
              data-testid="approval-item"
              data-change={a.changeId}
              data-decision={a.myDecision ?? ''}
              data-pending={a.pending}
              className={`row ${i === selected ? 'selected' : ''} risk-${a.risk}`}
              onClick={() => useStore.getState().selectApproval(i)}
            >
              <span className="title">{a.title}</span>
              <span className="muted">
                {a.stepName} · {a.approvals}/{a.quorum} · by {a.requester.name}
                {a.asApprover ? '' : ` · for ${a.onBehalfOf.map((p) => p.name).join(', ')}`}
              </span>
              <span className="risk">{RISK_WORD[a.risk] ?? a.risk}</span>
              <span className="state">
                {a.myDecision
                  ? `${a.myDecision === 'approve' ? 'approved' : 'rejected'}${a.pending ? ' (waiting to send)' : ''}`
                  : 'waiting on you'}
              </span>
            </div>
          ))}
        </div>
      </section>
      {detail && item ? <ChangeDetailPane detail={detail} actions={<DecisionBox item={item} />} /> : null}
    </div>
  );
}
