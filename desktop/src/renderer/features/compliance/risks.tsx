import type { RiskDetail, RiskListRow } from '../../../bridge/compliance.ts';
import { when } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';
import { HeatMap } from './heatmap.tsx';
import { NewRiskForm } from './risk-form.tsx';
import { RISK_TABLES, useCompliance } from './store.ts';
import { useBridge } from './use-bridge.ts';

/** The score the row sits at in the chosen view, and its ratings (residual falls back to inherent). */
const rating = (r: RiskListRow, view: string) =>
  view === 'residual' && r.residualScore !== undefined
    ? { score: r.residualScore, words: `L${r.residualLikelihood} × I${r.residualImpact}` }
    : { score: r.score, words: `L${r.likelihood} × I${r.impact}` };

/** A risk's detail: ratings, treatment, what it concerns and the live signals that flagged it. */
function RiskPane({ detail }: { detail: RiskDetail }) {
  return (
    <section aria-label="Risk" data-testid="risk-detail" className="host-detail">
      <header>
        <h2>{detail.title}</h2>
        <button onClick={() => useCompliance.setState({ riskId: undefined })}>Close</button>
      </header>
      <p>
        {detail.category} · {detail.status}
        {detail.owner ? ` · owned by ${detail.owner.name}` : ''}
        {detail.needsReassessment ? <strong className="bad"> · needs re-assessment</strong> : null}
      </p>
      <p>
        Inherent {detail.likelihood}×{detail.impact} = {detail.score}
        {detail.residualScore !== undefined
          ? ` · residual ${detail.residualLikelihood}×${detail.residualImpact} = ${detail.residualScore}`
          : ' · residual not rated'}
      </p>
      {detail.description ? <p>{detail.description}</p> : null}
      <p className="muted">
        Treatment: {detail.treatment ?? 'none chosen'}
        {detail.treatmentPlan ? ` — ${detail.treatmentPlan}` : ''} · review{' '}
        {detail.reviewDate ? when(detail.reviewDate) : 'not scheduled'}
      </p>
      <h3>Concerns</h3>
      <p>
        {[...detail.hosts.map((h) => h.name), ...detail.vendors.map((v) => v.name)].join(', ') ||
          'Nothing linked.'}
      </p>
      <h3>
        Signals <span className="badge">{detail.signals.length}</span>
      </h3>
      <p className="muted">
        {detail.signalThreshold} within {detail.signalPeriodDays} days flag it for re-assessment.
      </p>
      <ul data-testid="risk-signals">
        {detail.signals.map((s) => (
          <li key={s.id}>
            {when(s.at)} · {s.kind.replace('_', ' ')} on {s.host}
            {s.summary ? `: ${s.summary}` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Risks: the 5×5 heat map (inherent or residual ratings) over the register. A cell narrows the
 * list; a row opens the risk with its signals. Read from the replica, so it opens offline;
 * recording a risk needs the server and the 'approve' permission.
 */
export function Risks() {
  const { riskView, cell, riskId } = useCompliance();
  const canWrite = useCan('approve');
  const map = useBridge('risks.heatmap', { view: riskView }, RISK_TABLES).data;
  const risks = useBridge('risks.list', { view: riskView, ...cell }, RISK_TABLES).data ?? [];
  const detail = useBridge('risks.detail', { riskId: riskId ?? '-' }, RISK_TABLES).data;
  return (
    <div className={riskId && detail ? 'incidents with-pane' : 'incidents'}>
      <section aria-label="Risks" data-testid="page-risks">
        <h1>
          Risks <span className="badge">{risks.length}</span>
        </h1>
        <div className="filters" role="radiogroup" aria-label="Ratings shown">
          {(['inherent', 'residual'] as const).map((v) => (
            <button
              key={v}
              role="radio"
              aria-checked={riskView === v}
              data-testid={`risk-view-${v}`}
              onClick={() => useCompliance.setState({ riskView: v, cell: undefined })}
            >
              {v === 'inherent' ? 'Inherent' : 'Residual'}
            </button>
          ))}
          {cell ? (
            <button onClick={() => useCompliance.setState({ cell: undefined })}>
              Clear cell (L{cell.likelihood} × I{cell.impact})
            </button>
          ) : null}
        </div>
        <HeatMap map={map} />
        {canWrite ? <NewRiskForm /> : null}
        {risks.length === 0 ? <p className="muted">No risks here.</p> : null}
        <div className="list short" role="listbox" aria-label="Risk register">
          {risks.map((r) => (
            <div
              key={r.id}
              role="option"
              aria-selected={r.id === riskId}
              data-testid="risk-row"
              data-id={r.id}
              className={`row ${r.id === riskId ? 'selected' : ''}`}
              onClick={() => useCompliance.setState({ riskId: r.id })}
            >
              <span className="sev" data-testid="risk-score">
                {rating(r, riskView).score}
              </span>
              <span className="title">{r.title}</span>
              <span className="muted">
                {rating(r, riskView).words} · {r.category}
                {r.owner ? ` · ${r.owner.name}` : ''}
              </span>
              <span className="state">
                {r.status}
                {r.needsReassessment ? ' · re-assess' : ''}
              </span>
            </div>
          ))}
        </div>
      </section>
      {riskId && detail ? <RiskPane detail={detail} /> : null}
    </div>
  );
}
