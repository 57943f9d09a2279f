import { TRPCClientError } from '@trpc/client';
import type Database from 'better-sqlite3';
import type { AddHost, AddHostResult, HistoryRefresh } from '../bridge/inventory.ts';
import { cachedHistory, storeHistory } from './replica/inventory.ts';
import { classifyFailure } from './sync/failure.ts';
import type { ServerApi } from './sync/server-api.ts';

/**
 * The two host operations that need the server: the grade history (snapshots are not
 * replicated; the last answer is kept for offline use) and adding a host (it must be unique
 * server-side and gets its id there, so it cannot wait in the outbox).
 */
export type OnlineDeps = {
  api: ServerApi;
  db: Database.Database;
  /** The workspace slug or id the core is bound to. */
  workspace: string;
  clock: () => Date;
};

/**
 * Fetches a host's grade history and caches it. When the server cannot be asked (offline,
 * signed out, refused), answers with the cached copy and says why in plain words.
 */
export async function refreshHistory(
  deps: OnlineDeps,
  hostId: string,
  days: number,
): Promise<HistoryRefresh> {
  try {
    const got = await deps.api.hosts.history.query({ workspace: deps.workspace, hostId, days });
    const history = { ...got, fetchedAt: deps.clock().toISOString() };
    storeHistory(deps.db, history);
    return { history, source: 'server', error: undefined };
  } catch (err) {
    const failure = classifyFailure(err);
    // A bug is not an answer to fall back from: it reaches the caller as an error.
    if (failure.kind === 'bug') throw err;
    return { history: cachedHistory(deps.db, hostId), source: 'cache', error: failure.message };
  }
}

const REFUSALS = new Set(['BAD_REQUEST', 'CONFLICT', 'FORBIDDEN', 'NOT_FOUND']);

/**
 * Adds a host through the server's hosts.add. Offline, it is refused at once with a clear
 * message (no outbox: the server decides uniqueness and the id); the caller syncs after success.
 */
export async function addHost(deps: OnlineDeps, input: Required<AddHost>): Promise<AddHostResult> {
  try {
    const { id } = await deps.api.hosts.add.mutate({ workspace: deps.workspace, ...input });
    return { ok: true, id };
  } catch (err) {
    const code =
      err instanceof TRPCClientError ? (err.data as { code?: string } | undefined)?.code : undefined;
    if (code && REFUSALS.has(code)) return { ok: false, reason: 'refused', message: (err as Error).message };
    const failure = classifyFailure(err);
    if (failure.kind === 'bug') throw err;
    if (failure.kind === 'signed_out') return { ok: false, reason: 'signed_out', message: failure.message };
    if (failure.kind === 'offline') {
      return {
        ok: false,
        reason: 'offline',
        message: 'adding a host needs the server, which cannot be reached: try again when online',
      };
    }
    return { ok: false, reason: 'refused', message: failure.message };
  }
}
