/**
 * The HTTP side of pushing: one gzip'd batch per request, answers sorted into what the pusher
 * should do next. Speaks the contract in shared/src/agent-protocol.ts and nothing else.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import {
  AGENT_HEADERS,
  AGENT_PATHS,
  ApiError,
  parseRetryAfter,
  PushBatchResponse,
  type LossReport,
} from '@vigilo/shared/agent-protocol';
import { uuidv7 } from '../util/uuidv7.ts';

const gzip = promisify(gzipCb);

export interface PushClientOptions {
  serverUrl: string;
  token: string;
  agentVersion: string;
  /** The spool's depth now, sent with each push (AGENT_HEADERS) so admins see what waits. */
  spoolDepth?: () => number;
  /** Per-request deadline (default 30 s). */
  timeoutMs?: number;
  now?: () => number;
}

/** What the server said about one batch, as the pusher needs it. */
export type PushOutcome =
  | { kind: 'acknowledged'; response: PushBatchResponse }
  /** Try again later: network failure, 5xx, 429, 503; `retryAfterMs` when the server named it. */
  | { kind: 'retry'; retryAfterMs: number | null; status: number | null; detail: string }
  | { kind: 'unauthorized'; detail: string }
  | { kind: 'too_large'; detail: string }
  /** 400: something in the batch is invalid; `issues` name the fields. */
  | { kind: 'invalid'; detail: string; issues: { path: string; message: string }[] };

async function errorBody(res: Response): Promise<ApiError['error'] | null> {
  try {
    const parsed = ApiError.safeParse(await res.json());
    return parsed.success ? parsed.data.error : null;
  } catch {
    return null;
  }
}

export class PushClient {
  constructor(private readonly options: PushClientOptions) {}

  /**
   * Posts one batch. `snapshotsJson` are snapshot JSON texts exactly as spooled: they are spliced
   * into the body unparsed, which keeps the agent's CPU per snapshot tiny.
   */
  async push(snapshotsJson: readonly string[], losses: readonly LossReport[]): Promise<PushOutcome> {
    const now = this.options.now ?? Date.now;
    const batchId = uuidv7(now());
    const body =
      `{"batch_id":${JSON.stringify(batchId)},"agent_version":${JSON.stringify(this.options.agentVersion)},` +
      `"sent_at":${JSON.stringify(new Date(now()).toISOString())},"snapshots":[${snapshotsJson.join(',')}],` +
      `"losses":${JSON.stringify(losses)}}`;
    let res: Response;
    try {
      res = await fetch(new URL(AGENT_PATHS.snapshots, this.options.serverUrl), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'user-agent': `vigilo-agent/${this.options.agentVersion}`,
          [AGENT_HEADERS.version]: this.options.agentVersion,
          ...(this.options.spoolDepth
            ? { [AGENT_HEADERS.spoolDepth]: String(this.options.spoolDepth()) }
            : {}),
        },
        body: await gzip(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      // fetch wraps the socket error in `cause`; that is the part worth logging.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ? `${cause.code}: ${cause.message ?? ''}` : (err as Error).message;
      return { kind: 'retry', retryAfterMs: null, status: null, detail };
    }
    if (res.ok) {
      const parsed = PushBatchResponse.safeParse(await res.json().catch(() => null));
      if (!parsed.success) {
        return {
          kind: 'retry',
          retryAfterMs: null,
          status: res.status,
          detail: `unreadable acknowledgement: ${parsed.error.message}`,
        };
      }
      return { kind: 'acknowledged', response: parsed.data };
    }
    const error = await errorBody(res);
    const detail = `HTTP ${res.status}${error ? ` ${error.code}: ${error.message}` : ''}`;
    switch (res.status) {
      case 401:
        return { kind: 'unauthorized', detail };
      case 413:
        return { kind: 'too_large', detail };
      // 403: a snapshot for a host no longer assigned to this agent (reassigned after the scan).
      // Like 400 it names the snapshot; retrying cannot help, isolating and dropping it does.
      case 400:
      case 403:
      case 422:
        return { kind: 'invalid', detail, issues: error?.issues ?? [] };
      default:
        return {
          kind: 'retry',
          retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), now()),
          status: res.status,
          detail,
        };
    }
  }
}
