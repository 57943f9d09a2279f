import type { AuditRow } from '@vigilo/shared/audit-chain';
import { nonEmpty, OUTBOX, type OutboxKind } from '@vigilo/shared/outbox';
import type { WorkspaceRole } from '@vigilo/shared/roles';
import { z } from 'zod';
import { type ChangeAdminOutputs, changeAdminCalls } from './change-admin.ts';
import { type AlertingAdminOutputs, alertingAdminCalls } from './alerting-admin.ts';
import { type PeopleAdminOutputs, peopleAdminCalls } from './people-admin.ts';
import { type AgentsAdminOutputs, agentsAdminCalls } from './agents-admin.ts';
import { type OncallOutputs, oncallCalls } from './oncall.ts';
import { type ReliabilityOutputs, reliabilityCalls } from './reliability.ts';
import { type ComplianceOutputs, complianceCalls } from './compliance.ts';
import {
  type ApprovalItem,
  type ChangeCreated,
  type ChangeDetail,
  changeDraftSchema,
  changeFilterSchema,
  type ChangeListRow,
  changeTransitionSchema,
  type OnlineRefusal,
  type OnlineResult,
} from './changes.ts';
import {
  type IncidentDetail,
  incidentFilterSchema,
  type IncidentListRow,
  incidentOpenSchema,
} from './incidents.ts';
import {
  type AddHostResult,
  addHostSchema,
  type HistoryRefresh,
  type HostDetail,
  hostFilterSchema,
  type HostRow,
} from './inventory.ts';

/**
 * The one typed bridge between the renderer and the desktop core. The same contract is served
 * over Electron IPC (main/preload) and over HTTP + WebSocket on 127.0.0.1 (host/): the renderer
 * cannot tell which. Pure data: no Node, no DOM, so both sides import it.
 */

/**
 * What the renderer sends for each outbox kind: the kind's arguments on the wire (the shared
 * contract, shared/src/outbox.ts), less what the core fills in. Exhaustive: a kind added to the
 * contract fails to compile here until the bridge says what the renderer sends for it.
 */
const ACTIONS = {
  'alert.acknowledge': OUTBOX['alert.acknowledge'].entry,
  'alert.snooze': OUTBOX['alert.snooze'].entry,
  'alert.resolve': OUTBOX['alert.resolve'].entry,
  // The core gives a new comment its id: the same id locally and on the server (offline-created).
  'alert.comment': OUTBOX['alert.comment'].entry.extend({
    args: OUTBOX['alert.comment'].args.partial({ commentId: true }),
  }),
  // The core adds the name the user saw, for the server's check that nobody renamed it since.
  'workspace.rename': OUTBOX['workspace.rename'].entry.extend({
    args: OUTBOX['workspace.rename'].args.omit({ expectedName: true }),
  }),
  'approval.decide': OUTBOX['approval.decide'].entry,
  'host.pause': OUTBOX['host.pause'].entry,
  'host.resume': OUTBOX['host.resume'].entry,
  'host.snooze': OUTBOX['host.snooze'].entry,
  // The renderer chooses the note's id (crypto.randomUUID): the same id locally and on the server.
  'incident.note': OUTBOX['incident.note'].entry,
  // The core adds the state the user saw, for the server's check that nobody moved it since.
  'incident.transition': OUTBOX['incident.transition'].entry.extend({
    args: OUTBOX['incident.transition'].args.omit({ expectedState: true }),
  }),
} satisfies { [K in OutboxKind]: { shape: { kind: { value: K } } } };

/** User actions that go through the outbox. Each is a server sync.push kind. */
export const actionSchema = z.discriminatedUnion('kind', nonEmpty(Object.values(ACTIONS)));
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

/** `error`: sync stopped on a bug in the desktop (see {@link FailureKind}), not on the network. */
export type Connection = 'online' | 'offline' | 'syncing' | 'signed_out' | 'error';

/**
 * Why the last sync pass failed, as the desktop acts on it:
 * - `offline`: the network or the server is away (refused, reset, timed out): retried with backoff;
 * - `signed_out`: the server no longer takes the session: the person signs in again;
 * - `forbidden`: the server refuses this person the workspace or the call;
 * - `server`: the server answered with an error of its own: retried with backoff;
 * - `bug`: the desktop failed by itself (a SQLite error, a TypeError, data that breaks the
 *   contract): sync stops, the cause is logged, and the person is told it is an error in Vigilo.
 */
export type FailureKind = 'offline' | 'signed_out' | 'forbidden' | 'server' | 'bug';

/** A workspace as the desktop shows it, with the person's role in it. */
export type WorkspaceSummary = { id: string; slug: string; name: string; role: WorkspaceRole };

export type SyncState = {
  connection: Connection;
  workspace: WorkspaceSummary | undefined;
  outboxDepth: number;
  lastSyncAt: string | undefined;
  /** Why the last attempt failed, in plain words (offline, signed out, server error, a bug...). */
  lastError: string | undefined;
  /** Why the last attempt failed, as a kind; undefined after a pass that succeeded. */
  failure: FailureKind | undefined;
  conflicts: Conflict[];
  auditCount: number;
  /** True when signed in to the server's built-in identity provider (show a DEV badge). */
  dev: boolean;
  /**
   * When this state was read (a monotonic clock of the core's process, ms). States reach the
   * renderer by two roads (pushed events and call answers) that can overtake each other; the
   * renderer keeps the newest, so a late answer never puts back a stale "syncing".
   */
  at: number;
};

/** Who is signed in, to which workspaces, and which one is open (the app shell's header). */
export type SessionState = {
  signedIn: boolean;
  /** From the provider's tokens, for display; undefined with an API token. */
  user: { email?: string; name?: string } | undefined;
  /** The workspaces the user belongs to (the last list the server gave). */
  workspaces: WorkspaceSummary[];
  /** Slug of the open workspace, or undefined when none is open. */
  current: string | undefined;
  /** False when this shell was given one fixed workspace and credential (nothing to switch or sign out of). */
  canSwitch: boolean;
  /** Why the last sign-in or workspace listing failed, in plain words. */
  error: string | undefined;
};

export type Conflict = {
  clientId: string;
  kind: OutboxKind;
  args: unknown;
  /** The server's reason code (shared/src/outbox.ts CONFLICT_REASONS; kept open for a newer server's). */
  reason: string;
  /** What happened, in plain words. */
  message: string;
  createdAt: string;
  /** What the action was about, as the replica last knew it (an alert's summary and host). */
  subject: string | undefined;
};

/** What the inbox lists: open alerts, and approvals waiting on me beside them. */
export type InboxItem = AlertItem | ApprovalInboxItem;

/** An approval request waiting on me, as the inbox lists it (the Approvals page decides it). */
export type ApprovalInboxItem = ApprovalItem & { kind: 'approval'; id: string };

/** True when an inbox item still needs the person: an unacknowledged alert, or an approval. */
export function needsMe(item: InboxItem): boolean {
  return item.kind === 'approval' || !item.acknowledged;
}

export type AlertItem = {
  kind: 'alert';
  id: string;
  /** critical, warning or info (kept open: the server may add levels). */
  severity: string;
  title: string;
  openedAt: string;
  acknowledged: boolean;
  /** True while an outbox entry for this item waits for the server. */
  pending: boolean;
  hostId: string;
  hostname: string | undefined;
  /** Shown with the hostname: two endpoints of one host (443, 18443) are different alerts. */
  port: number | undefined;
  comments: number;
};

/** One alert with its timeline, for the inbox's detail pane. */
export type AlertDetail = {
  id: string;
  severity: string;
  title: string;
  state: string;
  hostname: string | undefined;
  port: number | undefined;
  rule: string | undefined;
  /** True when its rule is about an expiring certificate: a renewal change can be drafted from it. */
  renewable: boolean;
  /**
   * Opened, escalation pages, acknowledged, comments and resolution, oldest first; `pending` until
   * the server has it.
   */
  timeline: Array<{
    at: string;
    kind: 'opened' | 'paged' | 'acknowledged' | 'comment' | 'resolved';
    by?: string;
    text?: string;
    pending: boolean;
  }>;
};

/** A row of the audit search: the shared audit row without its chain and request columns. */
export type AuditEntry = Omit<AuditRow, 'workspaceId' | 'requestId' | 'prevHash' | 'hash'>;

export type ChainCheck = {
  ok: boolean;
  checked: number;
  broken: { seq: number; reason: string; detail: string } | undefined;
};

/** Every call the renderer can make: input schema and output type. */
export const bridgeCalls = {
  state: { input: z.object({}) },
  inbox: { input: z.object({}) },
  'alerts.detail': { input: z.object({ alertId: z.string().min(1) }) },
  act: { input: actionSchema },
  'audit.search': { input: auditQuerySchema },
  'audit.verify': { input: z.object({}) },
  'audit.export': { input: auditQuerySchema.extend({ format: z.enum(['csv', 'jsonl']) }) },
  'conflicts.dismiss': { input: z.object({ clientId: z.string() }) },
  'conflicts.redo': { input: z.object({ clientId: z.string() }) },
  'sync.now': { input: z.object({}) },
  'hosts.list': { input: hostFilterSchema },
  'hosts.detail': { input: z.object({ hostId: z.string().min(1) }) },
  'hosts.history': {
    input: z.object({ hostId: z.string().min(1), days: z.number().int().min(1).max(90).default(30) }),
  },
  'hosts.add': { input: addHostSchema },
  'approvals.mine': { input: z.object({}) },
  'changes.list': { input: changeFilterSchema },
  'changes.detail': { input: z.object({ changeId: z.string().min(1).max(100) }) },
  'changes.create': { input: changeDraftSchema },
  'changes.transition': { input: changeTransitionSchema },
  'changes.draftRenewal': { input: z.object({ alertId: z.string().min(1).max(100) }) },
  'incidents.list': { input: incidentFilterSchema },
  'incidents.detail': { input: z.object({ incidentId: z.string().min(1).max(100) }) },
  'incidents.open': { input: incidentOpenSchema },
  session: { input: z.object({}) },
  'session.signIn': { input: z.object({}) },
  'session.signOut': { input: z.object({}) },
  'workspace.switch': { input: z.object({ workspace: z.string().min(1).max(200) }) },
  ...changeAdminCalls,
  ...complianceCalls,
  ...alertingAdminCalls,
  ...peopleAdminCalls,
  ...agentsAdminCalls,
  ...oncallCalls,
  ...reliabilityCalls,
} as const;
export type BridgeCall = keyof typeof bridgeCalls;

/** Whether a name from outside (IPC, HTTP) is a call of the contract. */
export function isBridgeCall(name: unknown): name is BridgeCall {
  return typeof name === 'string' && Object.hasOwn(bridgeCalls, name);
}

export type BridgeOutputs = {
  state: SyncState;
  inbox: InboxItem[];
  'alerts.detail': AlertDetail | null;
  act: { clientId: string };
  'audit.search': AuditEntry[];
  'audit.verify': ChainCheck;
  'audit.export': { filename: string; mime: string; body: string };
  'conflicts.dismiss': { ok: true };
  'conflicts.redo': { clientId: string | undefined };
  'sync.now': SyncState;
  'hosts.list': HostRow[];
  'hosts.detail': HostDetail | null;
  'hosts.history': HistoryRefresh;
  'hosts.add': AddHostResult;
  'approvals.mine': ApprovalItem[];
  'changes.list': ChangeListRow[];
  'changes.detail': ChangeDetail | null;
  'changes.create': ChangeCreated | OnlineRefusal;
  'changes.transition': OnlineResult;
  'changes.draftRenewal': OnlineResult<{ id: string }>;
  'incidents.list': IncidentListRow[];
  'incidents.detail': IncidentDetail | null;
  'incidents.open': OnlineResult<{ id: string }>;
  session: SessionState;
  /** `redirect`: where the page must go to sign in (the host); absent once signed in (Electron). */
  'session.signIn': { redirect: string | undefined };
  'session.signOut': SessionState;
  'workspace.switch': SessionState;
} & ChangeAdminOutputs &
  ComplianceOutputs &
  AlertingAdminOutputs &
  PeopleAdminOutputs &
  AgentsAdminOutputs &
  OncallOutputs &
  ReliabilityOutputs;
export type BridgeInput<C extends BridgeCall> = z.input<(typeof bridgeCalls)[C]['input']>;

/** Pushed to the renderer when the replica or the sync state changed: it re-reads what it shows. */
export type BridgeEvent =
  | { type: 'changed'; tables: string[] }
  | { type: 'state'; state: SyncState }
  | { type: 'notify'; title: string; body: string; target: string }
  /** Open a vigilo:// link (a deep link or a clicked OS notification, from Electron main). */
  | { type: 'open'; target: string }
  /** Signed in or out, or another workspace opened: the renderer re-reads everything. */
  | { type: 'session'; session: SessionState }
  /** The host refused this page's bridge key (raised by the browser transport itself). */
  | { type: 'key_refused' };

/** The renderer's view of a bridge transport (IPC in Electron, HTTP + WebSocket in a browser). */
export type BridgeTransport = {
  call<C extends BridgeCall>(name: C, input: BridgeInput<C>): Promise<BridgeOutputs[C]>;
  subscribe(listener: (event: BridgeEvent) => void): () => void;
};
