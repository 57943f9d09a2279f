/**
 * The agent <-> server wire contract (HTTPS, agent-initiated only; DESIGN.md §2, §5).
 *
 * | method | path                     | auth                     | body / answer                          |
 * |--------|--------------------------|--------------------------|----------------------------------------|
 * | POST   | /agent/v1/enroll         | none (one-time token in body) | EnrollRequest -> 201 EnrollResponse |
 * | GET    | /agent/v1/config         | Bearer agent token       | 200 AgentConfig + ETag, or 304         |
 * | POST   | /agent/v1/snapshots      | Bearer agent token       | PushBatchRequest (gzip) -> 200 PushBatchResponse |
 *
 * Authenticated requests also carry AGENT_HEADERS (the agent's version and spool depth).
 *
 * Rules every server implementation must keep:
 * - Bodies are JSON (`content-type: application/json`). Push bodies are gzip-compressed
 *   (`content-encoding: gzip`); servers must accept identity too.
 * - Every error answer is an `ApiError` body with the status below; validation errors name the field
 *   (`issues[].path`). Nothing of a rejected batch is written ("nothing half-written").
 * - 401 `unauthorized`: token unknown or revoked. The agent stops pushing and keeps its spool.
 * - 400 `invalid_request` and 403 `forbidden` (a snapshot for a host not assigned to this agent,
 *   e.g. reassigned after the scan) name the snapshot in `issues[].path` (`snapshots.N...`). The
 *   agent halves the batch until it has isolated the snapshot, then drops it and reports it in a
 *   LossReport with reason `rejected_by_server`; so one bad snapshot never blocks the rest.
 * - 409 `enrollment_token_used`, 410 `enrollment_token_expired` on enroll.
 * - 413 `batch_too_large`: the agent halves the batch and retries. Also for a gzip body that
 *   inflates past twice `maxBatchBytes` or more than 200 : 1 (a compression bomb).
 * - 415 `unsupported_media_type`: the body is not `application/json`, or is encoded other than
 *   gzip (push) or not at all (enroll).
 * - Text never contains U+0000 (Postgres cannot store it) and timestamps are years 0001–9999
 *   (snapshot.ts); the server also refuses a snapshot whose `scanned_at` is more than a day ahead
 *   of its clock or older than its retention. Each is a 400 naming the field.
 * - 429 / 503 `backpressure`: with `Retry-After` (seconds, or an HTTP date). The server must never
 *   accept and drop: acknowledged means durable.
 * - Push is idempotent by snapshot id within the agent's workspace: an id the workspace already
 *   stored counts as `duplicate`, not an error; a batch pushed twice is stored once. Ids of other
 *   workspaces are never compared. The agent removes snapshots from its spool only
 *   after a 200 naming them as accepted or duplicate.
 * - Loss reports (`losses`) are idempotent by their `id` the same way (per workspace).
 */
import { z } from 'zod';
import { text } from './safe-input.ts';
import { ServiceProtocol, Snapshot, Timestamp } from './snapshot.ts';

export const AGENT_API_PREFIX = '/agent/v1';
export const AGENT_PATHS = {
  enroll: `${AGENT_API_PREFIX}/enroll`,
  config: `${AGENT_API_PREFIX}/config`,
  snapshots: `${AGENT_API_PREFIX}/snapshots`,
} as const;

/**
 * Headers the agent sends with every authenticated request (config pulls and pushes), so admins
 * see in agents.list who runs what and how much waits to be pushed. Both are optional (an older
 * agent sends neither); the server ignores a value it cannot read rather than refusing the call.
 */
export const AGENT_HEADERS = {
  /** `vigilo-agent --version`, printable ASCII, at most 100 characters. */
  version: 'x-vigilo-agent-version',
  /** Snapshots in the agent's spool not yet acknowledged (a whole number). */
  spoolDepth: 'x-vigilo-spool-depth',
} as const;

/** Limits both sides agree on; the server may advertise lower ones in AgentConfig.push. */
export const PUSH_LIMITS = {
  maxSnapshotsPerBatch: 500,
  /** Uncompressed JSON bytes. */
  maxBatchBytes: 4 * 1024 * 1024,
} as const;

export const ApiErrorCode = z.enum([
  'invalid_request',
  'unauthorized',
  'forbidden',
  'enrollment_token_used',
  'enrollment_token_expired',
  'batch_too_large',
  /** The body is not JSON, or its content-encoding is not one the path accepts. */
  'unsupported_media_type',
  'backpressure',
  /** Too many failed credential checks from this address; Retry-After says when to try again. */
  'rate_limited',
  'internal',
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

/** Every non-2xx answer's body. */
export const ApiError = z.object({
  error: z.object({
    code: ApiErrorCode,
    message: z.string(),
    /** For invalid_request: which fields are wrong, as zod issue paths joined by dots. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).default([]),
  }),
});
export type ApiError = z.infer<typeof ApiError>;

export const EnrollRequest = z.object({
  /** The one-time enrollment token an admin created in the workspace. */
  token: text().min(16),
  /** The machine's hostname, shown to admins. */
  name: text().min(1).max(255),
  agent_version: text().max(100),
  platform: text().max(255),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export const EnrollResponse = z.object({
  agent_id: z.uuid(),
  workspace_id: z.uuid(),
  /** The long-lived credential, shown this once; the server stores only its hash. */
  agent_token: z.string().min(32),
  server_time: Timestamp,
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

/** Scan intervals DESIGN.md §4 allows, in seconds. */
export const SCAN_INTERVALS_S = [300, 900, 3600, 21600, 86400] as const;

export const AssignedHost = z.object({
  host_id: z.uuid(),
  hostname: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** null: the agent decides by port (README "Agent"). */
  protocol: ServiceProtocol.nullable(),
  interval_s: z.union(SCAN_INTERVALS_S.map((s) => z.literal(s))),
  /** Full posture (protocols, suites) or certificate only. */
  posture: z.boolean().default(true),
});
export type AssignedHost = z.infer<typeof AssignedHost>;

/**
 * GET /agent/v1/config answer. Sent with `ETag: "<version>"`; the agent sends `If-None-Match` and
 * gets 304 while nothing changed. Polled every `poll_interval_s`.
 */
export const AgentConfig = z.object({
  /** Monotonic per agent; equal to the ETag without quotes. */
  version: z.number().int().nonnegative(),
  agent_id: z.uuid(),
  hosts: z.array(AssignedHost),
  poll_interval_s: z.number().int().positive().default(60),
  push: z
    .object({
      max_snapshots: z.number().int().positive().max(PUSH_LIMITS.maxSnapshotsPerBatch),
      max_age_s: z.number().int().positive(),
    })
    .default({ max_snapshots: 200, max_age_s: 10 }),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** Snapshots the agent's spool had to drop at its size cap: reported, never silent. */
export const LossReport = z.object({
  /** UUIDv7, idempotency key for the report itself. */
  id: z.uuidv7(),
  dropped: z.number().int().positive(),
  /** scanned_at of the oldest and newest dropped snapshot. */
  oldest_scanned_at: Timestamp.nullable(),
  newest_scanned_at: Timestamp.nullable(),
  reason: z.enum(['spool_full', 'rejected_by_server']),
});
export type LossReport = z.infer<typeof LossReport>;

export const PushBatchRequest = z.object({
  /** UUIDv7 for logs and tracing; dedupe is per snapshot id, not per batch. */
  batch_id: z.uuidv7(),
  agent_version: text(),
  sent_at: Timestamp,
  snapshots: z.array(Snapshot).max(PUSH_LIMITS.maxSnapshotsPerBatch),
  losses: z.array(LossReport).default([]),
});
export type PushBatchRequest = z.infer<typeof PushBatchRequest>;

export const PushBatchResponse = z.object({
  batch_id: z.uuidv7(),
  /** Ids newly stored (or durably queued). */
  accepted: z.array(z.uuid()),
  /** Ids already stored before: fine, the agent drops them from its spool. */
  duplicate: z.array(z.uuid()),
  /** Loss report ids recorded. */
  losses_recorded: z.array(z.uuid()).default([]),
  /** The config version the server holds; a newer one than the agent's means "pull now". */
  config_version: z.number().int().nonnegative().nullable().default(null),
});
export type PushBatchResponse = z.infer<typeof PushBatchResponse>;

/** Parses Retry-After (delta seconds or HTTP date) into milliseconds from `now`; null if absent/bad. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
