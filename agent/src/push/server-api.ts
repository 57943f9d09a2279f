/**
 * Enrollment and config pulls (the non-push half of shared/src/agent-protocol.ts).
 */
import { hostname, platform, release } from 'node:os';
import {
  AGENT_HEADERS,
  AGENT_PATHS,
  AgentConfig,
  ApiError,
  EnrollResponse,
} from '@vigilo/shared/agent-protocol';

export class ServerApiError extends Error {
  override readonly name = 'ServerApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

async function describe(res: Response): Promise<string> {
  const body = ApiError.safeParse(await res.json().catch(() => null));
  return `HTTP ${res.status}${body.success ? ` ${body.data.error.code}: ${body.data.error.message}` : ''}`;
}

/** Exchanges a one-time enrollment token for the agent's credential. */
export async function enroll(
  serverUrl: string,
  token: string,
  agentVersion: string,
  name = hostname(),
): Promise<EnrollResponse> {
  let res: Response;
  try {
    res = await fetch(new URL(AGENT_PATHS.enroll, serverUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token,
        name,
        agent_version: agentVersion,
        platform: `${platform()} ${release()}`,
      }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause;
    throw new ServerApiError(`cannot reach ${serverUrl}: ${cause?.message ?? (err as Error).message}`, null);
  }
  if (!res.ok) throw new ServerApiError(`enrollment refused: ${await describe(res)}`, res.status);
  const parsed = EnrollResponse.safeParse(await res.json());
  if (!parsed.success)
    throw new ServerApiError(`unreadable enrollment answer: ${parsed.error.message}`, res.status);
  return parsed.data;
}

/** What the agent says of itself with every authenticated request (AGENT_HEADERS). */
export type AgentReport = { version: string; spoolDepth: number };

export function reportHeaders(report: AgentReport): Record<string, string> {
  return {
    [AGENT_HEADERS.version]: report.version,
    [AGENT_HEADERS.spoolDepth]: String(report.spoolDepth),
  };
}

export type ConfigPull =
  { kind: 'changed'; config: AgentConfig; etag: string | null } | { kind: 'unchanged' };

/** GET the config with If-None-Match; network and HTTP failures throw ServerApiError. */
export async function pullConfig(
  serverUrl: string,
  agentToken: string,
  etag: string | null,
  /** Long-poll: with an etag, the server holds the answer up to this long until the config changes. */
  opts: { waitSeconds?: number; signal?: AbortSignal; report?: AgentReport } = {},
): Promise<ConfigPull> {
  let res: Response;
  const wait = etag ? Math.max(0, Math.floor(opts.waitSeconds ?? 0)) : 0;
  const url = new URL(AGENT_PATHS.config, serverUrl);
  if (wait > 0) url.searchParams.set('wait', String(wait));
  const timeout = AbortSignal.timeout((wait + 30) * 1000);
  try {
    res = await fetch(url, {
      headers: {
        authorization: `Bearer ${agentToken}`,
        ...(etag ? { 'if-none-match': etag } : {}),
        ...(opts.report ? reportHeaders(opts.report) : {}),
      },
      signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause;
    throw new ServerApiError(`cannot reach ${serverUrl}: ${cause?.message ?? (err as Error).message}`, null);
  }
  if (res.status === 304) return { kind: 'unchanged' };
  if (!res.ok) throw new ServerApiError(`config pull failed: ${await describe(res)}`, res.status);
  const parsed = AgentConfig.safeParse(await res.json());
  if (!parsed.success)
    throw new ServerApiError(`invalid config from server: ${parsed.error.message}`, res.status);
  return { kind: 'changed', config: parsed.data, etag: res.headers.get('etag') };
}
