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
