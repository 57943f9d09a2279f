import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Credentials must never reach a log line: the redaction list catches the
 * places they travel (headers, connection URLs, secret fields) even if a caller logs them by mistake.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'vigilo-server' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          '*.password',
          '*.secret',
          '*.token',
          '*.databaseUrl',
          '*.redisUrl',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Paths polled all day by machines: probes, scrapes and the agents' config polls and pushes. */
const ROUTINE_PATHS = new Set(['/healthz', '/readyz', '/metrics', AGENT_PATHS.config, AGENT_PATHS.snapshots]);

/** What the one log line of a finished request needs to know about it. */
export type FinishedRequest = {
  id: string;
  method: string;
  url: string;
  statusCode: number;
  elapsedMs: number;
};

/**
 * Logs one line per finished request: at info for what people do, at debug for the routine
 * traffic (probes, scrapes, every agent's 50-second config poll and its pushes) that would
 * otherwise bury it, unless that traffic failed. The query string is left out: a tRPC query
 * carries its whole input there.
 */
export function logRequest(log: Logger, r: FinishedRequest): void {
  const path = r.url.split('?')[0] ?? r.url;
  const routine = ROUTINE_PATHS.has(path) && r.statusCode < 400;
  const line = {
    requestId: r.id,
    method: r.method,
    path,
    status: r.statusCode,
    ms: Math.round(r.elapsedMs),
  };
  if (routine) log.debug(line, 'request');
  else log.info(line, 'request');
}
