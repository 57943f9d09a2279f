import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

/**
 * The desktop core's log, injected by the shell that runs the core (the host, Electron main):
 * JSON lines in a file of the desktop home, so a person can send it with a report. `file` is
 * named in messages that point there.
 */
export type CoreLog = {
  logger: Logger;
  /** Where the lines go, or undefined when they go nowhere a person can open. */
  file: string | undefined;
  close(): void;
};

/** The log file of a desktop home. */
export function logFileOf(home: string): string {
  return path.join(home, 'logs', 'desktop.log');
}

/**
 * A log appending to `<home>/logs/desktop.log`. Written synchronously: the lines are rare (a
 * failure, a recovery) and must be in the file even if the process dies right after. The file
 * is the user's alone, like the replicas (an error message can quote workspace data).
 */
export function fileLog(home: string): CoreLog {
  const file = logFileOf(home);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const destination = pino.destination({ dest: file, sync: true, mode: 0o600 });
  const logger = pino(
    {
      base: { service: 'vigilo-desktop' },
      // Tokens must never reach a line, even logged by mistake.
      redact: {
        paths: ['*.token', '*.accessToken', '*.refreshToken', '*.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
  let open = true;
  const close = () => {
    // Closing twice (an app closed again on quit) is harmless.
    if (open) destination.end();
    open = false;
  };
  return { logger, file, close };
}

/** A log that writes nowhere (a core borrowed by a test or tool that logs on its own). */
export function silentLog(): CoreLog {
  return { logger: pino({ enabled: false }), file: undefined, close: () => undefined };
}
