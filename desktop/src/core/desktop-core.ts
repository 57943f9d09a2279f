import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Action, BridgeEvent } from '../bridge/contract.ts';
import { type CoreLog, fileLog } from './log.ts';
import { AuditStore } from './replica/audit-store.ts';
import { openReplicaDb } from './replica/replica.ts';
import { ReplicaStore } from './replica/store.ts';
import { SyncEngine } from './sync/engine.ts';
import { connectServer, type ServerApi, type ServerConnection } from './sync/server-api.ts';
import type Database from 'better-sqlite3';

export type CoreOptions = {
  /** Folder for replicas (one SQLite file per server and workspace). */
  dataDir: string;
  serverUrl: string;
  workspace: string;
  /** The current access token (refreshed by the session), or undefined when signed out. */
  token: () => Promise<string | undefined>;
  clock?: () => Date;
  fetch?: typeof globalThis.fetch;
  schedule?: (fn: () => void, ms: number) => () => void;
  pageSize?: number;
  dev?: boolean;
  /** Who the replica belongs to on this device (e.g. the signed-in email): one file per person. */
  person?: string;
  /** The signed-in user's id, when known, for optimistic "acknowledged by me". */
  actorId?: string;
  /** Where failures are logged; default: the log file of `dataDir` (see log.ts), closed with the core. */
  log?: CoreLog;
};

/**
 * The desktop core for one signed-in workspace: its replica file, the sync engine and the
 * server connection. Plain Node: Electron main and the headless host both wrap it unchanged.
 */
export class DesktopCore {
  readonly db: Database.Database;
  readonly store: ReplicaStore;
  readonly audit: AuditStore;
  readonly engine: SyncEngine;
  /** The workspace (slug or id) this core is bound to, and its clock: for online-only calls. */
  readonly workspace: string;
  readonly clock: () => Date;
  /** The server this core talks to (e.g. for the agent enrollment command it shows). */
  readonly serverUrl: string;
  readonly #server: ServerConnection;
  readonly #listeners = new Set<(e: BridgeEvent) => void>();
  /** The log this core opened itself (closed with it); undefined when it was given one. */
  readonly #ownLog: CoreLog | undefined;
  readonly #actorId: string | undefined;

  constructor(opts: CoreOptions) {
    const log = opts.log ?? fileLog(opts.dataDir);
    this.#ownLog = opts.log ? undefined : log;
    const clock = opts.clock ?? (() => new Date());
    this.workspace = opts.workspace;
    this.clock = clock;
    this.serverUrl = opts.serverUrl.replace(/\/+$/, '');
    this.#actorId = opts.actorId;
    this.db = openReplicaDb(replicaFile(opts.dataDir, opts.serverUrl, opts.workspace, opts.person));
    this.store = new ReplicaStore(this.db, {
      // Who "me" is for optimistic rows: given, else the user the server said this is.
      context: () => ({ actorId: this.me(), now: clock().toISOString() }),
      workspaceId: () => this.store.meta.get('workspace_id') ?? '',
    });
    this.audit = new AuditStore(this.db);
    this.#server = connectServer({
      url: opts.serverUrl,
      token: opts.token,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.engine = new SyncEngine({
      api: this.#server.api,
      store: this.store,
      audit: this.audit,
      workspace: opts.workspace,
      clock,
      emit: (e) => this.#listeners.forEach((l) => l(e)),
      log,
      ...(opts.schedule ? { schedule: opts.schedule } : {}),
      ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
      ...(opts.dev ? { dev: opts.dev } : {}),
    });
  }

  /** Listens to replica changes, sync state and notifications. Returns the unsubscribe. */
  subscribe(listener: (e: BridgeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The server API, for the few calls that cannot wait in the outbox (e.g. adding a host). */
  get api(): ServerApi {
    return this.#server.api;
  }

  /** The signed-in person's user id, as given or as the server last said; undefined before. */
  me(): string | undefined {
    return this.#actorId ?? this.store.meta.get('user_id');
  }

  act(action: Action): string {
    return this.engine.act(action);
  }

  async close(): Promise<void> {
    await this.engine.stop();
    await this.#server.close();
    this.db.close();
    this.#ownLog?.close();
  }
}

/** One file per (server, workspace): signing in elsewhere never mixes data. */
export function replicaFile(dataDir: string, serverUrl: string, workspace: string, person?: string): string {
  const host = new URL(serverUrl).host.replace(/[^a-z0-9.-]/gi, '_');
  // Per person too, when known: two people sharing a device never open each other's replica
  // (what one role replicated is not another's to see, even before the first sync).
  const who = person ? createHash('sha256').update(person).digest('hex').slice(0, 16) : undefined;
  const name = `${workspace.replace(/[^a-z0-9-]/gi, '_')}.sqlite`;
  return who ? path.join(dataDir, 'replicas', host, who, name) : path.join(dataDir, 'replicas', host, name);
}
