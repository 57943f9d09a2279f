import { z } from 'zod';

/**
 * The one typed bridge between the renderer and the desktop core. The same contract is served
 * over Electron IPC (main/preload) and over HTTP + WebSocket on 127.0.0.1 (host/): the renderer
 * cannot tell which. Pure data: no Node, no DOM, so both sides import it.
 */

/** User actions that go through the outbox. Each maps to a server sync.push kind. */
export const actionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('alert.acknowledge'),
    args: z.object({ alertId: z.string().min(1), note: z.string().max(2000).optional() }),
  }),
  z.object({
    kind: z.literal('workspace.rename'),
    args: z.object({ name: z.string().trim().min(1, 'name must not be empty').max(100) }),
  }),
]);
export type Action = z.infer<typeof actionSchema>;
export type ActionKind = Action['kind'];

export const auditQuerySchema = z.object({
  text: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  actorId: z.string().max(200).optional(),
  targetId: z.string().max(200).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  limit: z.number().int().min(1).max(5000).default(500),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;

export type Connection = 'online' | 'offline' | 'syncing' | 'signed_out';

export type SyncState = {
  connection: Connection;
  workspace: { id: string; slug: string; name: string; role: string } | undefined;
  outboxDepth: number;
  lastSyncAt: string | undefined;
  /** Why the last attempt failed, in plain words (offline, signed out, server error...). */
  lastError: string | undefined;
  conflicts: Conflict[];
  auditCount: number;
  /** True when signed in to the server's built-in identity provider (show a DEV badge). */
  dev: boolean;
};

export type Conflict = {
  clientId: string;
  kind: string;
  args: unknown;
  reason: string;
  /** What happened, in plain words. */
  message: string;
  createdAt: string;
};

export type InboxItem = {
  kind: 'alert';
  id: string;
  /** critical, warning or info (kept open: the server may add levels). */
  severity: string;
  title: string;
  openedAt: string;
  acknowledged: boolean;
  /** True while an outbox entry for this item waits for the server. */
  pending: boolean;
};

export type AuditEntry = {
  seq: number;
  occurredAt: string;
  actorType: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  summary: string;
};

export type ChainCheck = {
  ok: boolean;
  checked: number;
  broken: { seq: number; reason: string; detail: string } | undefined;
};

/** Every call the renderer can make: input schema and output type. */
export const bridgeCalls = {
  state: { input: z.object({}) },
  inbox: { input: z.object({}) },
  act: { input: actionSchema },
  'audit.search': { input: auditQuerySchema },
  'audit.verify': { input: z.object({}) },
  'audit.export': { input: auditQuerySchema.extend({ format: z.enum(['csv', 'jsonl']) }) },
  'conflicts.dismiss': { input: z.object({ clientId: z.string() }) },
  'conflicts.redo': { input: z.object({ clientId: z.string() }) },
  'sync.now': { input: z.object({}) },
} as const;
export type BridgeCall = keyof typeof bridgeCalls;

export type BridgeOutputs = {
  state: SyncState;
  inbox: InboxItem[];
  act: { clientId: string };
  'audit.search': AuditEntry[];
  'audit.verify': ChainCheck;
  'audit.export': { filename: string; mime: string; body: string };
  'conflicts.dismiss': { ok: true };
  'conflicts.redo': { clientId: string | undefined };
  'sync.now': SyncState;
};
export type BridgeInput<C extends BridgeCall> = z.input<(typeof bridgeCalls)[C]['input']>;

/** Pushed to the renderer when the replica or the sync state changed: it re-reads what it shows. */
export type BridgeEvent =
  | { type: 'changed'; tables: string[] }
  | { type: 'state'; state: SyncState }
  | { type: 'notify'; title: string; body: string; target: string };

/** The renderer's view of a bridge transport (IPC in Electron, HTTP + WebSocket in a browser). */
export type BridgeTransport = {
  call<C extends BridgeCall>(name: C, input: BridgeInput<C>): Promise<BridgeOutputs[C]>;
  subscribe(listener: (event: BridgeEvent) => void): () => void;
};
