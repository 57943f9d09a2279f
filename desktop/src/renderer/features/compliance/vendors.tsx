import type { VendorDetail } from '../../../bridge/compliance.ts';
import { when } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';
import { AssessmentForm } from './assessment-form.tsx';
import { useCompliance, VENDOR_TABLES } from './store.ts';
import { useBridge } from './use-bridge.ts';

/** A vendor: its assessments (newest first) and the TLS grades of its monitored endpoints. */
function VendorPane({ detail }: { detail: VendorDetail }) {
  const canWrite = useCan('approve');
  return (
    <section aria-label="Vendor" data-testid="vendor-detail" className="host-detail">
      <header>
        <h2>{detail.name}</h2>
        <button onClick={() => useCompliance.setState({ vendorId: undefined })}>Close</button>
      </header>
      <p>
        Tier {detail.tier}
        {detail.owner ? ` · owned by ${detail.owner.name}` : ''}
        {detail.renewalDate ? ` · renews ${when(detail.renewalDate)}` : ''}
        {detail.contractEnd ? ` · contract ends ${when(detail.contractEnd)}` : ''}
      </p>
      <h3>Assessments</h3>
      {detail.assessments.length === 0 ? <p className="muted">Never assessed.</p> : null}
      <ul data-testid="vendor-assessments">
        {detail.assessments.map((a) => (
          <li key={a.id}>
            {a.period}:{' '}
            {a.completedAt
              ? `${a.score ?? '—'}/100, ${a.outcome ?? ''} (${when(a.completedAt)})`
              : 'in progress'}
            {!a.completedAt && canWrite ? <AssessmentForm assessment={a} /> : null}
          </li>
        ))}
      </ul>
      <h3>Endpoints</h3>
      {detail.hosts.length === 0 ? <p className="muted">No monitored endpoints.</p> : null}
      <ul data-testid="vendor-hosts">
        {detail.hosts.map((h) => (
          <li key={h.id}>
            {h.name} · grade <strong>{h.grade ?? 'not scanned yet'}</strong>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Vendors, most critical tier first, with their latest assessment; read from the replica. */
export function Vendors() {
  const vendorId = useCompliance((s) => s.vendorId);
  const vendors = useBridge('vendors.list', {}, VENDOR_TABLES).data ?? [];
  const detail = useBridge('vendors.detail', { vendorId: vendorId ?? '-' }, VENDOR_TABLES).data;
  return (
    <div className={vendorId && detail ? 'incidents with-pane' : 'incidents'}>
      <section aria-label="Vendors" data-testid="page-vendors">
        <h1>
          Vendors <span className="badge">{vendors.length}</span>
        </h1>
        {vendors.length === 0 ? <p className="muted">No vendors yet.</p> : null}
        <div className="list short" role="listbox" aria-label="Vendors list">
          {vendors.map((v) => (
            <div
              key={v.id}
              role="option"
              aria-selected={v.id === vendorId}
              data-testid="vendor-row"
              data-tier={v.tier}
              className={`row ${v.id === vendorId ? 'selected' : ''}`}
              onClick={() => useCompliance.setState({ vendorId: v.id })}
            >
              <span className="sev">{v.tier}</span>
              <span className="title">{v.name}</span>
              <span className="muted">{v.renewalDate ? `renews ${when(v.renewalDate)}` : ''}</span>
              <span className="state">
                {v.lastScore !== undefined ? `${v.lastScore}/100 ${v.lastOutcome ?? ''}` : 'not assessed'}
              </span>
            </div>
          ))}
        </div>
      </section>
      {vendorId && detail ? <VendorPane detail={detail} /> : null}
    </div>
  );
}
