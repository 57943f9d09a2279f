import { useEffect, useState } from 'react';
import type { SloView } from '../../../bridge/reliability.ts';
import { bridge } from '../../bridge/transport.ts';
import { when } from '../change-admin/form-bits.tsx';
import { budgetWords, burning } from './slo-words.ts';

/**
 * The inbox's strip of SLOs that are burning (a page or ticket fires, or the last hour spends the
 * budget faster than the window allows), each with the budget it has left. Offline it shows the
 * replica's snapshots, each with the time it was evaluated, so an old figure says it is old.
 */
export function BurningSlos() {
  const [slos, setSlos] = useState<SloView[]>([]);
  const [offline, setOffline] = useState(false);
  useEffect(() => {
    let live = true;
    const load = () =>
      void bridge.call('slos.list', {}).then((r) => {
        if (!live) return;
        setSlos(r.ok ? r.slos.filter(burning) : []);
        setOffline(r.ok && r.offline !== undefined);
      });
    load();
    const timer = setInterval(load, 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  if (slos.length === 0) return null;
  return (
    <aside aria-label="SLOs burning their error budget" className="burning-slos" data-testid="burning-slos">
      <h2>Error budgets burning{offline ? ' (offline: as last synced)' : ''}</h2>
      <ul className="plain">
        {slos.map((s) => (
          <li key={s.id} data-testid="burning-slo">
            <strong>{s.name}</strong>{' '}
            <span className={s.budgetRemaining < 0.25 ? 'bad' : ''}>{budgetWords(s)}</span>{' '}
            <span className="muted">
              burning {s.burnRates['60'].toFixed(1)}× over 1 h
              {s.firing.length ? ` · ${s.firing.join(' and ')}` : ''}
              {offline ? ` · as of ${when(s.evaluatedAt)}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </aside>
  );
}
