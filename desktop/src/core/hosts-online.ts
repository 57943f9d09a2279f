import type Database from 'better-sqlite3';
import type { z } from 'zod';
import type { AddHostResult, addHostSchema, HistoryRefresh } from '../bridge/inventory.ts';
import { onlineRefusal } from './online-refusal.ts';
import { cachedHistory, storeHistory } from './replica/inventory.ts';
import { classifyFailure } from './sync/failure.ts';
import type { ServerApi } from './sync/server-api.ts';

/**
 * The two host operations that need the server: the grade history (snapshots are not
 * replicated; the last answer is kept for offline use) and adding a host (it must be unique
 * server-side and gets its id there, so it cannot wait in the outbox).
 */
/** A host to add, as the bridge parsed it (defaults filled in; `agentId` may be omitted). */
type AddHostInput = z.output<typeof addHostSchema>;

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

/**
 * Adds a host through the server's hosts.add. Offline, it is refused at once with a clear
 * message (no outbox: the server decides uniqueness and the id); the caller syncs after success.
 * A refusal carries the server's words per field, never its raw validation issues.
 */
export async function addHost(deps: OnlineDeps, input: AddHostInput): Promise<AddHostResult> {
  try {
    const { agentId, ...host } = input;
    const added = await deps.api.hosts.add.mutate({
      workspace: deps.workspace,
      ...host,
      ...(agentId === undefined ? {} : { agentId }),
    });
    return { ok: true, id: added.id, agentId: added.agentId, warning: added.warning };
  } catch (err) {
    const { fieldErrors, ...refusal } = onlineRefusal(err, 'adding a host');
    return Object.keys(fieldErrors).length > 0 ? { ...refusal, fieldErrors } : refusal;
  }
}
