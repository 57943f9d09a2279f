import type { ReactNode } from 'react';
import type { ChangeDetail } from '../../../bridge/changes.ts';
import { ChangeHistory } from './approval-trail.tsx';

const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : 'not planned');

/**
 * One change as the Approvals and Changes pages show it: its state, risk with the reasons behind
 * it, collisions (warnings, as the server found them), plans, approval trail and timeline.
 * `actions` is the page's own part (the decision box, or the allowed moves).
 */
export function ChangeDetailPane({
  detail,
  actions,
  onClose,
}: {
  detail: ChangeDetail;
  actions?: ReactNode;
  onClose?: () => void;
}) {
  return (
    <aside className="pane change-detail" aria-label={`Change ${detail.title}`} data-testid="change-detail">
      <header>
        <h2>{detail.title}</h2>
        {onClose ? (
          <button aria-label="Close" onClick={onClose}>
            ✕
          </button>
        ) : null}
      </header>
      <dl>
        <dt>State</dt>
        <dd data-testid="change-state">{detail.state.replace('_', ' ')}</dd>
        <dt>Type</dt>
        <dd>{detail.type}</dd>
        <dt>Risk</dt>
        <dd className={`risk-${detail.risk.level}`}>
          {detail.risk.level} (score {detail.risk.score})
        </dd>
        <dt>Requester</dt>
        <dd>{detail.requester.name}</dd>
        <dt>Assignee</dt>
        <dd>{detail.assignee?.name ?? 'nobody yet'}</dd>
        <dt>Planned</dt>
        <dd>
          {when(detail.plannedStart)}
          {detail.plannedEnd ? ` – ${when(detail.plannedEnd)}` : ''}
        </dd>
        {detail.hosts.length ? (
          <>
            <dt>Hosts</dt>
            <dd>{detail.hosts.map((h) => h.name).join(', ')}</dd>
          </>
        ) : null}
        {detail.tags.length ? (
          <>
            <dt>Tags</dt>
            <dd>{detail.tags.join(', ')}</dd>
          </>
        ) : null}
        {detail.certificateFingerprint ? (
          <>
            <dt>Certificate</dt>
            <dd>
              <code className="fp">{detail.certificateFingerprint}</code>
            </dd>
          </>
        ) : null}
        {detail.retrospectiveDueAt ? (
          <>
            <dt>Retrospective</dt>
            <dd>{detail.retrospectiveDone ? 'done' : `due ${when(detail.retrospectiveDueAt)}`}</dd>
          </>
        ) : null}
      </dl>
      {actions}
      <h3>Why this risk</h3>
      <ul className="reasons" data-testid="risk-reasons">
        {detail.risk.reasons.map((r) => (
          <li key={r.code}>
            {r.text} <span className="muted">(+{r.points})</span>
          </li>
        ))}
      </ul>
      {detail.collisions.length ? (
        <>
          <h3>Collisions</h3>
          <ul className="collisions" data-testid="collisions">
            {detail.collisions.map((c, i) => (
              <li key={`${c.kind}-${i}`} data-kind={c.kind}>
                {c.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {(
        [
          ['Description', detail.description],
          ['Implementation plan', detail.implementationPlan],
          ['Rollback plan', detail.rollbackPlan],
          ['Test plan', detail.testPlan],
        ] as const
      ).map(([label, text]) =>
        text ? (
          <details key={label}>
            <summary>{label}</summary>
            <p className="plan">{text}</p>
          </details>
        ) : null,
      )}
      <ChangeHistory detail={detail} />
    </aside>
  );
}
