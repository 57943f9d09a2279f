import type { ApprovalStepView, ChangeDetail } from '../../../bridge/changes.ts';

const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '');

const STEP_STATE: Record<string, string> = {
  waiting: 'waiting for the steps before it',
  pending: 'open',
  approved: 'approved',
  rejected: 'rejected',
  superseded: 'closed',
};

const CLOSED: Record<string, string> = {
  withdrawn: 'the change was withdrawn',
  cancelled: 'the change was cancelled',
  edited: 'the change was edited after it was sent',
  rejected: 'an earlier step rejected it',
};

/** One approval step: who is asked, its quorum and state, and each decision with its comment. */
function Step({ step }: { step: ApprovalStepView }) {
  const approvals = step.decisions.filter((d) => d.decision === 'approve').length;
  return (
    <li data-testid="approval-step" data-state={step.state}>
      <strong>
        {step.kind === 'retrospective' ? 'Retrospective' : `Step ${step.step}`} · {step.stepName}
      </strong>{' '}
      <span className="muted">
        {STEP_STATE[step.state] ?? step.state}
        {step.closedReason ? `: ${CLOSED[step.closedReason] ?? step.closedReason}` : ''} · {approvals} of{' '}
        {step.quorum} needed · revision {step.revision}
      </span>
      <div className="muted">Asked: {step.approvers.map((a) => a.name).join(', ') || 'nobody'}</div>
      <ul>
        {step.decisions.map((d, i) => (
          <li
            key={`${d.by.id}-${i}`}
            data-testid="approval-decision"
            data-decision={d.decision}
            data-pending={d.pending}
          >
            <span className={d.decision === 'approve' ? 'ok' : 'bad'}>
              {d.decision === 'approve' ? 'Approved' : 'Rejected'}
            </span>{' '}
            by {d.by.name}
            {d.onBehalfOf ? ` for ${d.onBehalfOf.name}` : ''}
            {d.pending ? <span className="muted"> (waiting to send)</span> : null}{' '}
            <time className="muted" dateTime={d.at}>
              {when(d.at)}
            </time>
            {d.comment ? <p>{d.comment}</p> : null}
          </li>
        ))}
      </ul>
    </li>
  );
}

/** The approval trail, the timeline and (for roles that read it) the audit log of one change. */
export function ChangeHistory({ detail }: { detail: ChangeDetail }) {
  return (
    <>
      <h3>Approval trail</h3>
      {detail.approvals.length === 0 ? <p className="muted">Not submitted for approval yet.</p> : null}
      <ol className="trail" data-testid="approval-trail">
        {detail.approvals.map((s) => (
          <Step key={s.requestId} step={s} />
        ))}
      </ol>
      <h3>Timeline</h3>
      <ol className="timeline" data-testid="change-timeline">
        {detail.timeline.map((e, i) => (
          <li key={`${e.at}-${i}`} data-testid="change-event" data-pending={e.pending}>
            <time dateTime={e.at}>{when(e.at)}</time> <strong>{e.what}</strong>
            {e.by ? <span className="muted"> by {e.by}</span> : null}
            {e.pending ? <span className="muted"> (waiting to send)</span> : null}
            {e.text ? <p>{e.text}</p> : null}
          </li>
        ))}
      </ol>
      {detail.audit.length ? (
        <>
          <h3>Audit trail</h3>
          <table className="audit" data-testid="change-audit">
            <tbody>
              {detail.audit.map((a) => (
                <tr key={a.seq}>
                  <td>{when(a.occurredAt)}</td>
                  <td>{a.action}</td>
                  <td className="muted">{a.actorType}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </>
  );
}
