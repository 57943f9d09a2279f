import { randomUUID } from 'node:crypto';
import { type Permission, roleGrants, workspaceRoleSchema } from '@vigilo/shared/roles';
import type { Action, BridgeEvent, SyncState } from '../../bridge/contract.ts';
import { notificationFor } from '../notifications.ts';
import { workspaceRow } from '../replica/queries.ts';
import type { AuditStore } from '../replica/audit-store.ts';
import type { ReplicaStore } from '../replica/store.ts';
import { classifyFailure, type ServerApi } from './server-api.ts';

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
  /** Timer for retries while offline; injectable so tests drive retries themselves. */
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
  #running: Promise<void> | undefined;
  #again = false;
  #retry: (() => void) | undefined;
  #failures = 0;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(opts: EngineOptions) {
    this.#o = opts;
  }

  state(): SyncState {
    const { store, audit } = this.#o;
    const ws = store.meta.get('workspace');
    const parsed = ws ? (JSON.parse(ws) as NonNullable<SyncState['workspace']>) : undefined;
    // The replicated row carries a pending local rename; the server's answer only the last seen.
    const local = workspaceRow(store.db);
    return {
      connection: this.#running ? 'syncing' : this.#connection,
      workspace: parsed && { ...parsed, name: local?.name ?? parsed.name },
      outboxDepth: store.outbox.depth(),
      lastSyncAt: store.meta.get('last_sync_at'),
      lastError: this.#lastError,
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
    const sub = this.#o.api.events.live.subscribe(
      { workspace: this.#o.workspace, types: ['*'] },
      {
        // (Re)connected: catch up on what happened while the socket was down.
        onStarted: () => void this.syncNow(),
        onData: () => void this.syncNow(),
        onError: () => undefined,
      },
    );
    this.#unsubscribe = () => sub.unsubscribe();
    void this.syncNow();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
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
      await this.#pullChanges();
      if (pushed) this.#changed(this.#o.store.outbox.dropApplied());
      await this.#copyAudit();
      this.#o.store.meta.set('last_sync_at', this.#o.clock().toISOString());
      this.#connection = 'online';
      this.#lastError = undefined;
      this.#failures = 0;
    } catch (err) {
      const failure = classifyFailure(err);
      this.#connection = failure.kind === 'signed_out' ? 'signed_out' : 'offline';
      this.#lastError = failure.message;
      this.#failures += 1;
      if (failure.kind !== 'signed_out') this.#scheduleRetry();
    }
  }

  async #refreshWorkspace(): Promise<void> {
    let ws: { id: string; slug: string; name: string; role: string };
    try {
      const got = await this.#o.api.workspace.get.query({ workspace: this.#o.workspace });
      ws = { id: got.id, slug: got.slug, name: got.name, role: got.myRole ?? 'viewer' };
    } catch (err) {
      // An auditor may not read the workspace, only its audit log: find the role another way.
      if (classifyFailure(err).kind !== 'forbidden') throw err;
      const mine = await this.#o.api.workspace.mine.query();
      const found = mine.find((w) => w.slug === this.#o.workspace || w.id === this.#o.workspace);
      if (!found) throw err;
      ws = { id: found.id, slug: found.slug, name: found.name, role: found.role };
    }
    this.#o.store.meta.set('workspace', JSON.stringify(ws));
    this.#o.store.meta.set('workspace_id', ws.id);
  }

  /** Whether the role last seen from the server grants a permission (the server checks too). */
  #may(permission: Permission): boolean {
    const role = workspaceRoleSchema.safeParse(this.state().workspace?.role);
    return role.success && roleGrants(role.data, permission);
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

  async #pullChanges(): Promise<void> {
    const { store } = this.#o;
    if (!this.#may('read')) return;
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
      const initialSync = cursor === 0;
      const slug = this.#o.workspace;
      const notes = page.changes.flatMap((c) => {
        const note = notificationFor(c, store.row(c.table, c.rowId), { initialSync, workspaceSlug: slug });
        return note ? [note] : [];
      });
      this.#changed(store.applyServerPage(page.changes, page.cursor));
      for (const n of notes) this.#o.emit({ type: 'notify', ...n });
      if (!page.more) return;
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

  /** While offline, tries again with exponential backoff (1 s doubling to 15 s). */
  #scheduleRetry(): void {
    const schedule = this.#o.schedule;
    if (!schedule || this.#stopped || this.#retry) return;
    const ms = Math.min(1000 * 2 ** (this.#failures - 1), 15_000);
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
