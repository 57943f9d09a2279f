import { useState } from 'react';
import type { ControlTestView, FrameworkCoverageView } from '../../../bridge/compliance.ts';
import { when } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';
import { EvidenceLinkForm } from './evidence-form.tsx';
import { CONTROL_TABLES } from './store.ts';
import { useBridge } from './use-bridge.ts';

const pct = (covered: number, total: number) => (total === 0 ? 0 : Math.round((covered / total) * 100));

/** One framework's coverage: a bar per top-level requirement (a CSF function). */
function Coverage({ f }: { f: FrameworkCoverageView }) {
  return (
    <div data-testid="framework-coverage" data-key={f.key}>
      <h3>
        {f.name} {f.version} · {pct(f.covered, f.total)}% ({f.covered} of {f.total})
      </h3>
      {f.groups.map((g) => (
        <div
          key={g.ref}
          data-testid={`coverage-${g.ref}`}
          data-covered={g.covered}
          data-total={g.total}
          style={{ display: 'grid', gridTemplateColumns: '16em 1fr 7em', gap: 8, alignItems: 'center' }}
        >
          <span>
            {g.ref} {g.title}
          </span>
          <span
            role="meter"
            aria-label={`${g.ref} coverage`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct(g.covered, g.total)}
            style={{ height: '1em', background: 'rgba(128,128,128,0.25)', borderRadius: 3 }}
          >
            <span
              style={{
                display: 'block',
                height: '100%',
                width: `${pct(g.covered, g.total)}%`,
                background: 'rgba(40, 167, 69, 0.8)',
                borderRadius: 3,
              }}
            />
          </span>
          <span className="muted">
            {g.covered}/{g.total} ({g.implemented} impl.)
          </span>
        </div>
      ))}
    </div>
  );
}

/** A control test's latest result with the rows it looked at. */
function TestResult({ t }: { t: ControlTestView }) {
  return (
    <details data-testid="control-test" data-status={t.status}>
      <summary>
        <strong className={t.status === 'fail' ? 'bad' : t.status === 'pass' ? 'ok' : 'muted'}>
          {t.status}
        </strong>{' '}
        {t.testId.replaceAll('_', ' ')} — {t.summary} <span className="muted">({when(t.evaluatedAt)})</span>
      </summary>
      <ul>
        {t.subjects.map((s) => (
          <li key={`${s.type}:${s.id}`} className={s.ok ? '' : 'bad'}>
            {s.ok ? '✓' : '✗'} {s.type} {s.id}{' '}
            <span className="muted">
              {Object.entries(s.fields)
                .map(([k, v]) => `${k}: ${String(v)}`)
                .join(', ')}
            </span>
          </li>
        ))}
      </ul>
    </details>
  );
}

/**
 * Controls: framework coverage as a bar per function (computed from the replica the way the
 * server's frameworks.coverage is), controls needing evidence first, and the latest result of
 * each control test. Opens offline; adding an evidence link needs the server and 'approve'.
 */
export function Controls() {
  const overview = useBridge('controls.overview', {}, CONTROL_TABLES).data;
  const canWrite = useCan('approve');
  const [adding, setAdding] = useState<string | undefined>();
  return (
    <section aria-label="Controls" data-testid="page-controls">
      <h1>Controls</h1>
      <h2>Coverage</h2>
      {overview?.coverage.length === 0 ? <p className="muted">No frameworks yet.</p> : null}
      {overview?.coverage.map((f) => (
        <Coverage key={f.key} f={f} />
      ))}
      <h2>
        Controls <span className="badge">{overview?.controls.length ?? 0}</span>
      </h2>
      <div aria-label="Controls list">
        {overview?.controls.map((c) => (
          <div
            key={c.id}
            data-testid="control-row"
            data-needs-evidence={c.needsEvidence}
            className="row"
            style={{ height: 'auto', flexWrap: 'wrap' }}
          >
            <span className="title">{c.title}</span>
            <span className={c.needsEvidence ? 'bad' : 'muted'}>
              {c.needsEvidence ? 'needs evidence' : `${c.evidence.length} evidence`}
              {c.owner ? ` · ${c.owner.name}` : ''}
            </span>
            <span className="state">{c.status.replace('_', ' ')}</span>
            {canWrite ? (
              <button onClick={() => setAdding(adding === c.id ? undefined : c.id)}>Add evidence link</button>
            ) : null}
            {adding === c.id ? <EvidenceLinkForm controlId={c.id} /> : null}
          </div>
        ))}
      </div>
      <h2>Control tests</h2>
      {overview?.tests.length === 0 ? <p className="muted">No control test has run yet.</p> : null}
      {overview?.tests.map((t) => (
        <TestResult key={t.testId} t={t} />
      ))}
    </section>
  );
}
