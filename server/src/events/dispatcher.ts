import type { Logger } from 'pino';
import type pg from 'pg';
import { eventMatches } from '@vigilo/shared/events';
import { type TxContext, withWorkspace } from '../db/tx.ts';
import { recordRiskSignals } from '../compliance/risks/risk-signals.ts';
import type { BusEvent, EventBus } from './bus.ts';
import { type LeaderSession, openLeaderSession, type ReconnectBackoff } from './leader-session.ts';

const CONSUMER = 'dispatcher';
const BATCH = 500;
/** Any constant: only one process in a deployment dispatches at a time. */
const LEADER_LOCK = 0x76_64_73_70; // "vdsp"
/** The dispatcher records nothing itself; its transactions are bound to one workspace each. */
const DISPATCH: TxContext = { actor: { type: 'system', id: 'dispatcher' }, requestId: undefined };

export type Dispatcher = {
  /** Processes every workspace's pending events once (also used by tests for determinism). */
  runOnce(): Promise<number>;
  /** True while this process holds the leader lock on a live session, and so dispatches. */
  isLeader(): boolean;
  stop(): Promise<void>;
};

/**
 * Moves committed events out of the outbox: for each workspace, in seq order, it creates the
 * deliveries for the channels subscribed to each event (durable: the delivery worker sends them
 * and retries), advances the workspace's cursor in the same transaction, then publishes the
 * events to the live bus. A crash between commit and publish loses only live notifications,
 * which clients recover by pulling; deliveries are at-least-once.
 *
 * In several server processes only the holder of an advisory lock dispatches. It wakes on
 * Postgres NOTIFY (sent at commit by the events trigger) and polls as a safety net. The lock and
 * the LISTEN live on one session (leader-session.ts), which is reopened when it dies; the new
 * leader catches up from the cursors, so events committed meanwhile are not lost.
 *
 * Leadership saves work; it is not what keeps an event from being dispatched twice. Each
 * dispatch transaction locks its workspace's cursor row FOR UPDATE, so two processes that both
 * believe they lead (for the moment between a session's death and its owner hearing of it) take
 * turns, and the second finds the events already behind the cursor.
 */
export function startDispatcher(deps: {
  owner: pg.Pool;
  bus: EventBus;
  log: Logger;
  pollMs?: number;
  /** How soon a lost session is reopened (default DEFAULT_RECONNECT). */
  reconnect?: ReconnectBackoff;
  onDeliveriesCreated?: () => void;
  /** Tests drive runOnce themselves. */
  autoStart?: boolean;
}): Dispatcher {
  let stopped = false;
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let session: LeaderSession | undefined;

  const runOnce = async (): Promise<number> => {
    const { rows } = await deps.owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
    let total = 0;
    for (const { id } of rows) total += await dispatchWorkspace(deps, id);
    return total;
  };

  const trigger = () => {
    if (stopped || !session?.isLeader()) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce()
      .catch((err: unknown) => {
        deps.log.error({ err }, 'event dispatch failed; will retry');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          trigger();
        }
      });
  };

  if (deps.autoStart !== false) {
    const leaderSession = openLeaderSession({
      pool: deps.owner,
      channel: 'vigilo_events',
      lockKey: LEADER_LOCK,
      role: 'dispatcher',
      log: deps.log,
      onNotification: trigger,
      // Caught up at once: events committed while nobody led sent their NOTIFY to no one.
      onLeading: trigger,
      ...(deps.reconnect ? { reconnect: deps.reconnect } : {}),
    });
    session = leaderSession;
    timer = setInterval(() => {
      if (leaderSession.isLeader()) trigger();
      // A leader that died without a notification since: take over on the poll.
      else void leaderSession.lead();
    }, deps.pollMs ?? 5000);
  }

  return {
    runOnce,
    isLeader: () => session?.isLeader() ?? false,
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
      await session?.close();
    },
  };

  async function dispatchWorkspace(d: typeof deps, workspaceId: string): Promise<number> {
    let created = 0;
    const published = await withWorkspace(d.owner, workspaceId, DISPATCH, async (tx): Promise<BusEvent[]> => {
      await tx.query(
        'INSERT INTO event_cursors (consumer, workspace_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [CONSUMER, workspaceId],
      );
      const cursor = await tx.query<{ last_seq: number }>(
        'SELECT last_seq FROM event_cursors WHERE consumer = $1 AND workspace_id = $2 FOR UPDATE',
        [CONSUMER, workspaceId],
      );
      const after = cursor.rows[0]?.last_seq ?? 0;
      const events = await tx.query<{ seq: number; type: string; payload: unknown; occurred_at: Date }>(
        'SELECT seq, type, payload, occurred_at FROM events WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [workspaceId, after, BATCH],
      );
      if (events.rows.length === 0) return [];
      const channels = await tx.query<{ id: string; event_types: string[]; created_at: Date }>(
        // Scoped explicitly as well as by row security: the owner may be a superuser, who bypasses it.
        'SELECT id, event_types, created_at FROM channels WHERE enabled AND workspace_id = $1',
        [workspaceId],
      );
      for (const e of events.rows) {
        for (const ch of channels.rows) {
          // A channel hears what happens after it was created, not the workspace's history.
          // A channel.tested event's one delivery is made with it (channels.test), even to a
          // disabled channel; it is never fanned out to the channels subscribed to channel.*.
          if (e.type === 'channel.tested') continue;
          if (ch.created_at > e.occurred_at || !eventMatches(ch.event_types, e.type)) continue;
          const res = await tx.query(
            `INSERT INTO deliveries (workspace_id, channel_id, event_seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
            [workspaceId, ch.id, e.seq],
          );
          created += res.rowCount ?? 0;
        }
      }
      // Live risk signals ride the same transaction as the cursor: each event becomes signals
      // exactly once (server/src/compliance/risks/risk-signals.ts says why here).
      await recordRiskSignals(tx, events.rows);
      const last = events.rows.at(-1)?.seq ?? after;
      await tx.query('UPDATE event_cursors SET last_seq = $3 WHERE consumer = $1 AND workspace_id = $2', [
        CONSUMER,
        workspaceId,
        last,
      ]);
      return events.rows.map((e) => ({
        workspaceId,
        seq: e.seq,
        type: e.type,
        payload: e.payload,
        occurredAt: e.occurred_at.toISOString(),
      }));
    });
    // Published only once committed: a live client never hears of an event that was rolled back.
    for (const event of published) await d.bus.publish(event);
    if (created > 0) d.onDeliveriesCreated?.();
    // A full batch means there may be more: go again for this workspace.
    return published.length + (published.length === BATCH ? await dispatchWorkspace(d, workspaceId) : 0);
  }
}
