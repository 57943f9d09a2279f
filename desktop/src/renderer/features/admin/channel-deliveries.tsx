import type { DeliveryAttemptView, DeliveryView } from '../../../bridge/alerting-admin.ts';
import { when } from '../change-admin/form-bits.tsx';

/** One attempt in words: what answered ("HTTP 500 (312 bytes)") or why nothing did, and how fast. */
export function attemptWords(a: DeliveryAttemptView): string {
  const answer = a.response ?? (a.ok ? 'delivered' : (a.reason ?? 'failed'));
  const detail = !a.ok && a.response && a.reason ? ` (${a.reason.split(':')[0]})` : '';
  return `${answer}${detail} in ${a.latencyMs} ms`;
}

/** A delivery's outcome in a line: "Delivered: HTTP 200 (2 bytes) in 12 ms". */
export function deliveryWords(d: DeliveryView): string {
  const last = d.log.at(-1);
  if (!last) return 'Waiting for its first attempt…';
  if (d.status === 'succeeded') return `Delivered: ${attemptWords(last)}`;
  if (d.status === 'failed') return `Failed after ${d.attempts} attempt(s): ${attemptWords(last)}`;
  return `Attempt ${d.attempts} failed: ${attemptWords(last)}; retrying ${when(d.nextAttemptAt)}`;
}

/** A channel's delivery log, newest first; test events are marked. */
export function DeliveryLog(props: { deliveries: DeliveryView[] }) {
  if (props.deliveries.length === 0) return <p className="muted">Nothing delivered yet.</p>;
  return (
    <table className="delivery-log" data-testid="delivery-log">
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last answer</th>
          <th scope="col">When</th>
        </tr>
      </thead>
      <tbody>
        {props.deliveries.map((d) => {
          const last = d.log.at(-1);
          return (
            <tr key={d.id} data-testid="delivery-row" data-status={d.status}>
              <td>
                {d.eventType}
                {d.test ? <span className="badge"> test</span> : null}
              </td>
              <td className={d.status === 'failed' ? 'bad' : d.status === 'succeeded' ? 'ok' : ''}>
                {d.status}
              </td>
              <td>{d.attempts}</td>
              <td title={d.log.map((a) => `#${a.attempt} ${attemptWords(a)}`).join('\n')}>
                {last ? attemptWords(last) : '—'}
              </td>
              <td>{when(last?.at ?? d.completedAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
