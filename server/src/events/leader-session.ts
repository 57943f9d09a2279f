import type pg from 'pg';
import type { Logger } from 'pino';

/** How long to wait before opening a session again after a loss; doubled per failed try, up to maxMs. */
export type ReconnectBackoff = { firstMs: number; maxMs: number };

export const DEFAULT_RECONNECT: ReconnectBackoff = Object.freeze({ firstMs: 250, maxMs: 5000 });

/**
 * A non-leader tries for the lock on a notification (the leader may be gone) at most this often,
 * so a busy outbox does not turn into a stream of lock queries from every other process.
 */
const LEAD_RETRY_MS = 500;

export type LeaderSession = {
  /** True while this process holds the lock on a session it knows to be alive. */
  isLeader(): boolean;
  /** Tries for the lock now unless leading already; one try runs at a time. */
  lead(): Promise<boolean>;
  /** Ends the session, and with it LISTEN and the lock. */
  close(): Promise<void>;
};

export type LeaderSessionOptions = {
  pool: pg.Pool;
  /** LISTENed to on the session; a plain identifier. */
  channel: string;
  /** The session advisory lock whose holder leads. */
  lockKey: number;
  /** Appended to the pool's application_name, so operators (and tests) can find the session. */
  role: string;
  log: Logger;
  /** A notification arrived while this process leads. */
  onNotification(): void;
  /** This process has just become the leader (at start, after a reconnect, or taking over). */
  onLeading(): void;
  reconnect?: ReconnectBackoff;
};

/**
 * One dedicated database session that LISTENs on a channel and competes for a session advisory
 * lock: its holder leads. Both die with the session (a Postgres restart, pg_terminate_backend, a
 * dropped connection), so when the session errors or ends it is dropped, leadership is given up
 * at once, and a new session is opened with a bounded exponential backoff, LISTENs again and
 * tries for the lock again. An outage is logged once at warn when it begins and once at info
 * when it ends; the failed tries in between only at debug.
 *
 * Non-leaders LISTEN too: a notification tells them there is work, and if the leader died they
 * take the lock then, instead of on their next poll.
 */
export function openLeaderSession(opts: LeaderSessionOptions): LeaderSession {
  if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`not a plain channel name: ${opts.channel}`);
  const backoff = opts.reconnect ?? DEFAULT_RECONNECT;
  let closed = false;
  /** The live session, set once it LISTENs; undefined while there is none. */
  let session: pg.PoolClient | undefined;
  let leader = false;
  /** Failed tries at opening a session since the last one that worked. */
  let failures = 0;
  /** When the current outage began; undefined while a session is open. */
  let outageSince: number | undefined;
  let reopenTimer: NodeJS.Timeout | undefined;
  let opening: Promise<void> | undefined;
  let leading: Promise<boolean> | undefined;
  let leadTimer: NodeJS.Timeout | undefined;
  let lastLeadTry = Number.NEGATIVE_INFINITY;

  const outage = (err: unknown, what: string) => {
    if (outageSince !== undefined) {
      opts.log.debug({ err: String(err), failures }, `${opts.role}: still no database session`);
      return;
    }
    outageSince = Date.now();
    opts.log.warn({ err }, `${opts.role}: ${what}; reconnecting`);
  };

  /** The session `lost` died: its 'error' and 'end' both land here, the first one counts. */
  const lose = (lost: pg.PoolClient, err: Error) => {
    if (session !== lost) return;
    session = undefined;
    const wasLeader = leader;
    // The lock went with the session: from here on another process may hold it.
    leader = false;
    // Released with the error, the pool destroys the client instead of lending it out again.
    lost.release(err);
    if (closed) return;
    outage(err, wasLeader ? 'lost its database session and the leadership' : 'lost its database session');
    scheduleOpen();
  };

  const scheduleOpen = () => {
    if (closed || reopenTimer || opening || session) return;
    const delay = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.min(failures, 20));
    reopenTimer = setTimeout(() => {
      reopenTimer = undefined;
      openNow();
    }, delay);
  };

  const openNow = () => {
    opening = open().then(() => {
      opening = undefined;
      // Failed, or opened and lost already (while trying for the lock): `lose` could not
      // schedule the next try while this one was still running.
      scheduleOpen();
    });
  };

  /** Opens a session and LISTENs on it, then tries for the lock; logs its failures, never throws. */
  const open = async (): Promise<void> => {
    let client: pg.PoolClient | undefined;
    try {
      client = await opts.pool.connect();
      const c = client;
      c.on('error', (err: Error) => lose(c, err));
      c.on('end', () => lose(c, new Error('the database session ended')));
      c.on('notification', (msg) => {
        if (session === c && msg.channel === opts.channel) notified();
      });
      await c.query(
        "SELECT set_config('application_name', current_setting('application_name') || ':' || $1, false)",
        [opts.role],
      );
      await c.query(`LISTEN ${opts.channel}`);
    } catch (err) {
      // Not yet the session, so `lose` ignored its death: destroy it here.
      client?.release(err instanceof Error ? err : new Error(String(err)));
      failures += 1;
      outage(err, 'cannot open its database session');
      return;
    }
    if (closed) {
      client.release(true);
      return;
    }
    session = client;
    failures = 0;
    if (outageSince !== undefined) {
      opts.log.info({ downMs: Date.now() - outageSince }, `${opts.role}: database session open again`);
      outageSince = undefined;
    }
    await lead();
  };

  const lead = (): Promise<boolean> => {
    if (leader || closed) return Promise.resolve(leader);
    leading ??= tryLock().finally(() => (leading = undefined));
    return leading;
  };

  const tryLock = async (): Promise<boolean> => {
    const c = session;
    if (!c) return false;
    lastLeadTry = Date.now();
    try {
      const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        opts.lockKey,
      ]);
      // The session may have died while the answer travelled: its lock died with it.
      if (session !== c || closed || rows[0]?.ok !== true) return false;
    } catch (err) {
      // Mostly the session dying under the query, whose own 'error' may come later or never:
      // dropped here, so the outage is logged once and the session opened again either way.
      lose(c, err instanceof Error ? err : new Error(String(err)));
      return false;
    }
    leader = true;
    opts.log.info(`${opts.role}: this process leads`);
    opts.onLeading();
    return true;
  };

  const notified = () => {
    if (leader) return opts.onNotification();
    if (leadTimer || closed) return;
    const wait = Math.max(0, lastLeadTry + LEAD_RETRY_MS - Date.now());
    leadTimer = setTimeout(() => {
      leadTimer = undefined;
      void lead();
    }, wait);
  };

  openNow();

  return {
    isLeader: () => leader,
    lead,
    close: async () => {
      closed = true;
      clearTimeout(reopenTimer);
      clearTimeout(leadTimer);
      await opening;
      const c = session;
      session = undefined;
      leader = false;
      // Ending the session drops LISTEN and the lock with it.
      c?.release(true);
    },
  };
}
