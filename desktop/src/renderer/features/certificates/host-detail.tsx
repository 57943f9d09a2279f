import { useEffect, useRef } from 'react';
import type { ChainCertificate, HostDetail } from '../../../bridge/inventory.ts';
import { useStore } from '../../store.ts';
import { DaysLeft, describeStatus } from './host-row.tsx';
import { GradeSparkline } from './sparkline.tsx';

const when = (iso: string) => new Date(iso).toLocaleString();
const day = (iso: string) => new Date(iso).toLocaleDateString();

/**
 * One host: its certificate chain, TLS posture and 30-day grade history, with pause / resume and
 * snooze. The leaf certificate is replicated (known offline); the chain, posture and history are
 * the server's last answer, shown with the time it was fetched.
 */
export function HostDetailPanel({ host }: { host: HostDetail }) {
  const act = useStore((s) => s.hostAct);
  const close = useStore((s) => s.closeHost);
  const historyError = useStore((s) => s.historyError);
  const history = host.history;
  const latest = history?.latest ?? null;
  const chain: ChainCertificate[] = latest?.chain ?? (host.certificate ? [host.certificate] : []);

  // A scan that moved this host's status arrives live in the replica (grade, reachability,
  // certificate); the chain, posture and sparkline are the server's history, so ask for it again
  // then, not only when the detail is opened.
  const status = `${host.id}|${host.grade ?? ''}|${String(host.reachable)}|${host.notAfter ?? ''}`;
  const seen = useRef(status);
  useEffect(() => {
    if (seen.current === status) return;
    const sameHost = seen.current.startsWith(`${host.id}|`);
    seen.current = status;
    if (sameHost) void useStore.getState().openHost(host.id);
  }, [status, host.id]);

  return (
    <aside
      className="host-detail"
      data-testid="host-detail"
      aria-label={`Host ${host.hostname}:${host.port}`}
    >
      <header>
        <h2>
          {host.hostname}:{host.port}
        </h2>
        <button onClick={close} aria-label="Close detail">
          ×
        </button>
      </header>
      <p>
        <span className="grade" data-grade={host.grade ?? ''}>
          {host.grade ?? '—'}
        </span>{' '}
        <DaysLeft row={host} /> · {describeStatus(host)}
      </p>
      <div className="actions">
        <button
          onClick={() =>
            void act({ kind: host.paused ? 'host.resume' : 'host.pause', args: { hostId: host.id } })
          }
        >
          {host.paused ? 'Resume scanning' : 'Pause scanning'}
        </button>
        {(['1h', '1d', '1w'] as const).map((duration) => (
          <button
            key={duration}
            onClick={() => void act({ kind: 'host.snooze', args: { hostId: host.id, duration } })}
          >
            Snooze {duration}
          </button>
        ))}
      </div>

      <h3>Grade, last 30 days</h3>
      {history ? (
        <>
          <GradeSparkline points={history.points} />
          <p className="muted" data-testid="history-fetched">
            As of {when(history.fetchedAt)}
            {historyError ? ` (last known: ${historyError})` : ''}
          </p>
        </>
      ) : (
        <p className="muted">{historyError ? `No history yet: ${historyError}.` : 'Loading the history…'}</p>
      )}

      <h3>Certificate chain</h3>
      {chain.length === 0 ? <p className="muted">No certificate seen yet.</p> : null}
      <ol className="chain" data-testid="chain">
        {chain.map((c) => (
          <li key={c.fingerprint}>
            <strong>{c.subject}</strong>
            <div className="muted">issued by {c.issuer}</div>
            <div>
              valid {day(c.notBefore)} – {day(c.notAfter)} · {c.keyAlgorithm}
              {c.keyBits ? ` ${c.keyBits}` : ''} · {c.signatureAlgorithm}
            </div>
            <code className="fp">{c.fingerprint}</code>
          </li>
        ))}
      </ol>
      {host.certificate?.sans.length ? <p>Names: {host.certificate.sans.join(', ')}</p> : null}

      <h3>Posture</h3>
      {latest ? (
        <dl className="posture" data-testid="posture">
          <dt>Chain</dt>
          <dd className={latest.validation.trusted ? 'ok' : 'bad'}>
            {latest.validation.trusted ? 'trusted' : `not trusted (${latest.validation.problems.join(', ')})`}
          </dd>
          <dt>Hostname</dt>
          <dd className={latest.posture.hostnameMatch ? 'ok' : 'bad'}>
            {latest.posture.hostnameMatch ? 'matches' : 'does not match'}
          </dd>
          <dt>Negotiated</dt>
          <dd>
            {latest.posture.negotiatedProtocol} · {latest.posture.negotiatedCipher}
          </dd>
          <dt>Protocols</dt>
          <dd>
            {Object.entries(latest.posture.protocols)
              .filter(([, support]) => support === 'accepted')
              .map(([p]) => p)
              .join(', ') || 'none accepted'}
          </dd>
          <dt>OCSP stapling</dt>
          <dd>{latest.posture.ocspStapled ? 'yes' : 'no'}</dd>
          <dt>HSTS</dt>
          <dd>
            {latest.posture.hsts
              ? latest.posture.hsts.present
                ? `max-age ${latest.posture.hsts.maxAge ?? '?'}`
                : 'absent'
              : 'not checked (no HTTP on this endpoint)'}
          </dd>
          <dt>Scanned</dt>
          <dd>{when(latest.scannedAt)}</dd>
        </dl>
      ) : (
        <p className="muted">No handshake known yet.</p>
      )}
      {latest?.posture.gradeReasons.length ? (
        <ul className="reasons">
          {latest.posture.gradeReasons.map((r) => (
            <li key={r.rule}>{r.message}</li>
          ))}
        </ul>
      ) : null}
    </aside>
  );
}
