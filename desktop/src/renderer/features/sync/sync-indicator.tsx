import { OUTBOX } from '@vigilo/shared/outbox';
import type { Connection } from '../../../bridge/contract.ts';
import { useBridgeLink } from '../../bridge/link.ts';
import { bridge } from '../../bridge/transport.ts';
import { useStore } from '../../store.ts';

const LABEL: { [C in Connection]: string } = {
  online: 'Online',
  offline: 'Offline',
  syncing: 'Syncing…',
  signed_out: 'Signed out',
  error: 'Sync stopped',
};

/** Always visible: connection, outbox depth, last sync, and the conflicts in plain words. */
export function SyncIndicator() {
  const sync = useStore((s) => s.sync);
  const refused = useBridgeLink((l) => l.refused);
  // The last state read before the key was refused is not this desktop's state any more.
  if (refused)
    return (
      <div className="sync" data-testid="sync-state" data-connection="not_connected">
        <span className="dot offline" aria-hidden />
        <strong>Not connected</strong>
        <span className="muted">open the address the desktop printed</span>
      </div>
    );
  if (!sync)
    return (
      <div className="sync" data-testid="sync-state">
        Starting…
      </div>
    );
  return (
    <div
      className="sync"
      data-testid="sync-state"
      data-connection={sync.connection}
      data-failure={sync.failure}
    >
      <span className={`dot ${sync.connection}`} aria-hidden />
      <strong>{LABEL[sync.connection]}</strong>
      <span data-testid="outbox-depth">{sync.outboxDepth} waiting to send</span>
      <span>
        {sync.lastSyncAt ? `last sync ${new Date(sync.lastSyncAt).toLocaleTimeString()}` : 'never synced'}
      </span>
      {sync.lastError && sync.connection !== 'online' ? (
        // A bug says so in words, with where its log is; an outage is a muted aside.
        <span className={sync.failure === 'bug' ? 'bug' : 'muted'} data-testid="sync-error">
          {sync.lastError}
        </span>
      ) : null}
      <button onClick={() => void bridge.call('sync.now', {})}>Sync now</button>
    </div>
  );
}

const NONE: never[] = [];

/** Refused actions: what happened, and a way to dismiss or redo each. */
export function ConflictList() {
  // A stable empty list: a fresh [] per read would make the store look changed forever.
  const conflicts = useStore((s) => s.sync?.conflicts ?? NONE);
  if (conflicts.length === 0) return null;
  return (
    <section className="conflicts" data-testid="conflicts" aria-label="Conflicts">
      <h2>Not applied</h2>
      {conflicts.map((c) => (
        <div key={c.clientId} className="conflict" data-testid="conflict">
          <p>
            Your {OUTBOX[c.kind].label} was not applied: {c.message}.
            {c.subject ? <span className="muted"> ({c.subject})</span> : null}
          </p>
          <button onClick={() => void bridge.call('conflicts.dismiss', { clientId: c.clientId })}>
            Dismiss
          </button>
          <button onClick={() => void bridge.call('conflicts.redo', { clientId: c.clientId })}>Redo</button>
        </div>
      ))}
    </section>
  );
}
