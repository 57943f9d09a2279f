import { randomUUID } from 'node:crypto';
import { type BackoffCurve, backoffDelay } from '@vigilo/shared/backoff';
import { type Permission, roleGrants, workspaceRoleSchema } from '@vigilo/shared/roles';
import { z } from 'zod';
import type { Action, BridgeEvent, Connection, SyncState, WorkspaceSummary } from '../../bridge/contract.ts';
import type { CoreLog } from '../log.ts';
import { peopleUnknown, replacePeople } from '../replica/people.ts';
import { workspaceRow } from '../replica/queries.ts';
import type { AuditStore } from '../replica/audit-store.ts';
import type { ReplicaStore } from '../replica/store.ts';
import { type CallFailure, classifyFailure, type FailureKind } from './failure.ts';
import { pageNotifications } from './page-notifications.ts';
import type { ServerApi } from './server-api.ts';

/** What the sync indicator shows after a failed pass: a bug is not an outage. */
const CONNECTION_AFTER: { [K in FailureKind]: Connection } = {
  offline: 'offline',
  server: 'offline',
  forbidden: 'offline',
  signed_out: 'signed_out',
  bug: 'error',
};

const SYNC_RETRY_BACKOFF: BackoffCurve = { baseMs: 1000, capMs: 15_000, jitter: 'full' };

/**
 * Reopening the live stream after the server ended it (an expired access token, a lost
 * membership, a restart's refusal): spread out like sync retries, and never a tight loop when
 * each new stream is refused at once.
 */
const LIVE_REOPEN_BACKOFF: BackoffCurve = { baseMs: 1000, capMs: 30_000, jitter: 'decorrelated' };

/**
 * How long a live event waits for the others of its burst (a batch of scans commits as several
 * events, the dispatcher publishes them back to back): they all cost one pass.
 */
const LIVE_COALESCE_MS = 50;

/** The live stream as the engine last saw it (for the log and for tests). */
export type LiveState = {
  open: boolean;
  /** How many times a stream has started (the first one included). */
  starts: number;
  /** How many events the streams delivered. */
  events: number;
  /** Why the last stream ended, if one did. */
  lastEnd: string | undefined;
};

/** The workspace as last answered by the server, kept in the replica's meta. */
const storedWorkspaceSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  role: workspaceRoleSchema,
});

/** Gives a created row its id before it is queued: the same id locally and on the server. */
function withIds(action: Action): Action {
  if (action.kind === 'alert.comment' && !action.args.commentId) {
    return { ...action, args: { ...action.args, commentId: randomUUID() } };
  }
  return action;
}

export type EngineOptions = {
  api: ServerApi;
  store: ReplicaStore;
  audit: AuditStore;
  /** The workspace slug or id this replica belongs to. */
  workspace: string;
  clock: () => Date;
  /** Receives change, state and notification events (the bridge forwards them to the renderer). */
  emit: (event: BridgeEvent) => void;
  /** Where failures are logged: a bug with its cause, an outage when it starts and ends. */
  log: CoreLog;
  /**
   * Timer for retries while offline and for reopening the live stream; injectable so tests drive
   * retries themselves. Without one, neither is retried (the next action or "Sync now" is).
   */
  schedule?: (fn: () => void, ms: number) => () => void;
  pageSize?: number;
  dev?: boolean;
};

/**
 * Keeps one workspace replica in step with the server. One pass (`syncNow`) drains the outbox in
 * order, then pulls the change log from the stored cursor page by page, then copies new audit
 * rows. Passes never overlap; a request during a pass runs one more pass after it. A live
 * subscription only triggers passes: the change log stays the single way data arrives, so a
 * missed push costs latency, never correctness.
 */
export class SyncEngine {
  readonly #o: EngineOptions;
  #connection: SyncState['connection'] = 'offline';
  #lastError: string | undefined;
  #failure: FailureKind | undefined;
  /** The failure last logged, so a retry or a live event does not log the same one again. */
  #logged: string | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #retry: (() => void) | undefined;
  #failures = 0;
  #unsubscribe: (() => void) | undefined;
  #reopen: (() => void) | undefined;
  #reopenFailures = 0;
  #reopenDelay: number | undefined;
  #livePass: (() => void) | undefined;
  #live: LiveState = { open: false, starts: 0, events: 0, lastEnd: undefined };
  #stopped = false;

  constructor(opts: EngineOptions) {
    this.#o = opts;
  }

  state(): SyncState {
    const { store, audit } = this.#o;
    const ws = store.meta.get('workspace');
    const parsed = ws ? storedWorkspaceSchema.safeParse(JSON.parse(ws)).data : undefined;
    // The replicated row carries a pending local rename; the server's answer only the last seen.
    const local = workspaceRow(store.db);
    return {
      connection: this.#running ? 'syncing' : this.#connection,
      workspace: parsed && { ...parsed, name: local?.name ?? parsed.name },
      outboxDepth: store.outbox.depth(),
      lastSyncAt: store.meta.get('last_sync_at'),
      lastError: this.#lastError,
      failure: this.#failure,
      conflicts: store.conflicts.list(),
      auditCount: audit.count(),
      dev: this.#o.dev ?? false,
      at: performance.timeOrigin + performance.now(),
    };
  }

  /** Applies a user action locally and queues it (one SQLite transaction), then tries to send it. */
  act(action: Action): string {
    const { clientId, table } = this.#o.store.outbox.enqueue(withIds(action));
    this.#changed([table]);
    void this.syncNow();
    return clientId;
  }

  /** Starts the live subscription and a first pass. */
  start(): void {
    this.#stopped = false;
    this.#subscribe();
    void this.syncNow();
  }

  /** The live stream's state: whether one is open and how often one started. */
  live(): LiveState {
    return { ...this.#live };
  }

  /**
   * Opens the live stream. Any event (host statuses and scans, alerts, changes…) runs a pass:
   * the events of a burst wait LIVE_COALESCE_MS for each other, and passes coalesce (a request
   * during a pass runs one more after it), so a burst of events costs one pull, two at most. A
   * socket that drops is reconnected by the client itself, which resubscribes; a stream the
   * server ends (with an error or not) is reopened here, after a backoff, on a new
   * socket with a fresh token.
   */
  #subscribe(): void {
    if (this.#stopped) return;
    let ended = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      this.#live = { ...this.#live, open: false, lastEnd: why };
      this.#unsubscribe = undefined;
      if (this.#stopped) return;
      this.#o.log.logger.info(
        { workspace: this.#o.workspace, why },
        this.#o.schedule ? 'live stream ended; reopening it' : 'live stream ended',
      );
      this.#scheduleReopen();
    };
    const sub = this.#o.api.events.live.subscribe(
      { workspace: this.#o.workspace, types: ['*'] },
      {
        // (Re)connected: catch up on what happened while the socket was down.
        onStarted: () => {
          this.#live = { ...this.#live, open: true, starts: this.#live.starts + 1 };
          void this.syncNow();
        },
        onData: () => {
          // A stream that delivers is healthy: the next end starts the backoff afresh.
          this.#reopenFailures = 0;
          this.#reopenDelay = undefined;
          this.#live = { ...this.#live, events: this.#live.events + 1 };
          this.#passSoon();
        },
        onError: (err) => end(classifyFailure(err).message),
        onComplete: () => end('the server closed the stream'),
      },
    );
    this.#unsubscribe = () => {
      ended = true;
      sub.unsubscribe();
    };
  }

  /** A pass for a live event, after LIVE_COALESCE_MS: the rest of its burst joins it. */
  #passSoon(): void {
    const schedule = this.#o.schedule;
    if (!schedule) {
      void this.syncNow();
      return;
    }
    if (this.#livePass || this.#stopped) return;
    this.#livePass = schedule(() => {
      this.#livePass = undefined;
      void this.syncNow();
    }, LIVE_COALESCE_MS);
  }

  #scheduleReopen(): void {
    const schedule = this.#o.schedule;
    if (!schedule || this.#stopped || this.#reopen) return;
    this.#reopenFailures += 1;
    const ms = backoffDelay(LIVE_REOPEN_BACKOFF, this.#reopenFailures, {
      ...(this.#reopenDelay === undefined ? {} : { previousDelayMs: this.#reopenDelay }),
    });
    this.#reopenDelay = ms;
    this.#reopen = schedule(() => {
      this.#reopen = undefined;
      this.#subscribe();
    }, ms);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#live = { ...this.#live, open: false };
    this.#reopen?.();
    this.#reopen = undefined;
    this.#livePass?.();
    this.#livePass = undefined;
    this.#retry?.();
    this.#retry = undefined;
    await this.#running;
  }

  /** Runs a sync pass (or joins the running one and runs once more after it). */
  syncNow(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      this.#emitState();
      try {
        do {
          this.#again = false;
          await this.#pass();
        } while (this.#again && !this.#stopped);
      } finally {
        this.#running = undefined;
        this.#emitState();
      }
    })();
    return this.#running;
  }

  async #pass(): Promise<void> {
    try {
      await this.#refreshWorkspace();
      const pushed = await this.#drainOutbox();
      const pulled = await this.#pullChanges();
      await this.#refreshPeople(pulled);
      if (pushed) this.#changed(this.#o.store.outbox.dropApplied());
      await this.#copyAudit();
      this.#o.store.meta.set('last_sync_at', this.#o.clock().toISOString());
      this.#connection = 'online';
      this.#lastError = undefined;
      this.#failure = undefined;
      this.#failures = 0;
      if (this.#logged) this.#o.log.logger.info({ workspace: this.#o.workspace }, 'sync is back');
      this.#logged = undefined;
    } catch (err) {
      const failure = classifyFailure(err);
      this.#connection = CONNECTION_AFTER[failure.kind];
      this.#failure = failure.kind;
      this.#lastError =
        failure.kind === 'bug'
          ? `sync stopped by an error in Vigilo: ${failure.message}${this.#o.log.file ? `; see ${this.#o.log.file}` : ''}`
          : failure.message;
      this.#failures += 1;
      this.#logFailure(failure, err);
      // A bug would fail the same way on every retry: the next pass waits for the person
      // ("Sync now"), a new action or a live event.
      if (failure.kind !== 'signed_out' && failure.kind !== 'bug') this.#scheduleRetry();
    }
  }

  /** Logs a failure once until it changes or sync recovers: a bug as an error with its cause. */
  #logFailure(failure: CallFailure, err: unknown): void {
    const key = `${failure.kind} ${failure.message}`;
    if (key === this.#logged) return;
    this.#logged = key;
    const fields = { workspace: this.#o.workspace, failure: failure.kind, err };
    if (failure.kind === 'bug') this.#o.log.logger.error(fields, `sync stopped by a bug: ${failure.message}`);
    else this.#o.log.logger.warn(fields, `sync failed: ${failure.message}`);
  }

  async #refreshWorkspace(): Promise<void> {
    let ws: WorkspaceSummary;
    try {
      const got = await this.#o.api.workspace.get.query({ workspace: this.#o.workspace });
      ws = { id: got.id, slug: got.slug, name: got.name, role: got.myRole ?? 'viewer' };
      this.#rememberMe(got.myUserId);
    } catch (err) {
      // An auditor may not read the workspace, only its audit log: find the role another way.
      if (classifyFailure(err).kind !== 'forbidden') throw err;
      const mine = await this.#o.api.workspace.mine.query();
      const found = mine.find((w) => w.slug === this.#o.workspace || w.id === this.#o.workspace);
      if (!found) throw err;
      // The server's answer is checked at the boundary: a role this desktop does not know is a bug.
      ws = { id: found.id, slug: found.slug, name: found.name, role: workspaceRoleSchema.parse(found.role) };
    }
    this.#o.store.meta.set('workspace', JSON.stringify(ws));
    this.#o.store.meta.set('workspace_id', ws.id);
  }

  /** The signed-in person's user id, as the server last said (approvals waiting on me). */
  me(): string | undefined {
    return this.#o.store.meta.get('user_id');
  }

  /** Keeps who I am on this server: my approvals and notifications are computed from it. */
  #rememberMe(userId: string | null | undefined): void {
    if (userId) this.#o.store.meta.set('user_id', userId);
  }

  /**
   * Refreshes members' names when memberships changed (or none are known yet): users are not
   * replicated rows, and the pages name requesters, approvers and commanders offline.
   */
  async #refreshPeople(pulled: ReadonlySet<string>): Promise<void> {
    if (!this.#may('read')) return;
    if (!pulled.has('memberships') && !peopleUnknown(this.#o.store.db)) return;
    const members = await this.#o.api.members.list.query({ workspace: this.#o.workspace });
    replacePeople(
      this.#o.store.db,
      // Open invitations are listed too, with no user yet: only members are people to name.
      members.flatMap((m) =>
        m.status === 'member' ? [{ userId: m.userId, name: m.name, email: m.email }] : [],
      ),
    );
    this.#changed(['people']);
  }

  /** Whether the role last seen from the server grants a permission (the server checks too). */
  #may(permission: Permission): boolean {
    const role = this.state().workspace?.role;
    return role !== undefined && roleGrants(role, permission);
  }

  /** Sends pending entries in order; returns true when the server applied any. */
  async #drainOutbox(): Promise<boolean> {
    let applied = false;
    for (;;) {
      const batch = this.#o.store.outbox.pending(50);
      if (batch.length === 0) return applied;
      this.#o.store.outbox.countAttempt(batch.map((e) => e.clientId));
      const results = await this.#o.api.sync.push.mutate({
        workspace: this.#o.workspace,
        mutations: batch.map((e) => ({ clientId: e.clientId, ...e.entry })),
      });
      applied ||= results.some((r) => r.status === 'applied');
      this.#changed(this.#o.store.outbox.settle(results));
    }
  }

  /** Pulls the change log from the cursor; returns the tables it touched. */
  async #pullChanges(): Promise<Set<string>> {
    const { store } = this.#o;
    const touched = new Set<string>();
    if (!this.#may('replicate')) return touched;
    for (;;) {
      const cursor = store.meta.number('changes_cursor');
      const page = await this.#o.api.sync.pull.query({
        workspace: this.#o.workspace,
        cursor,
        limit: this.#o.pageSize ?? 1000,
      });
      const scope = JSON.stringify(page.tables);
      if (store.meta.get('scope') !== scope) {
        // The role changed what this user may see: rebuild from the start of the log.
        store.resetScope(page.tables);
        if (cursor !== 0) continue;
      }
      const notes = pageNotifications(store, page.changes, {
        initialSync: cursor === 0,
        workspace: this.#o.workspace,
        me: this.me(),
        now: this.#o.clock(),
      });
      const tables = store.applyServerPage(page.changes, page.cursor);
      for (const t of tables) touched.add(t);
      this.#changed(tables);
      for (const n of notes) this.#o.emit({ type: 'notify', ...n });
      if (!page.more) return touched;
    }
  }

  async #copyAudit(): Promise<void> {
    if (!this.#may('audit')) return;
    for (;;) {
      const page = await this.#o.api.sync.audit.query({
        workspace: this.#o.workspace,
        afterSeq: this.#o.audit.maxSeq(),
        limit: this.#o.pageSize ?? 2000,
      });
      this.#o.audit.append(page.rows);
      if (page.rows.length) this.#changed(['audit_events']);
      if (!page.more) return;
    }
  }

  /**
   * While offline, tries again with the shared backoff (up to 1 s doubling to 15 s, full jitter:
   * the desktops a server restart cut off do not all come back in the same second).
   */
  #scheduleRetry(): void {
    const schedule = this.#o.schedule;
    if (!schedule || this.#stopped || this.#retry) return;
    const ms = backoffDelay(SYNC_RETRY_BACKOFF, this.#failures);
    this.#retry = schedule(() => {
      this.#retry = undefined;
      void this.syncNow();
    }, ms);
  }

  #changed(tables: string[]): void {
    if (tables.length) this.#o.emit({ type: 'changed', tables });
  }

  /** Tells listeners the sync state changed (e.g. a conflict was dismissed). */
  notifyState(): void {
    this.#emitState();
  }

  #emitState(): void {
    this.#o.emit({ type: 'state', state: this.state() });
  }
}
