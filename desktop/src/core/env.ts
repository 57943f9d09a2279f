import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const port = 'VIGILO_DESKTOP_PORT must be a whole number from 0 to 65535 (0: any free port)';

/**
 * The desktop's environment, one rule per variable for every program that runs the desktop:
 * the headless host on its own (host/main.ts), `npm start` (launcher/start.ts) and Electron main
 * (main/index.ts). Each picks the variables it reads (`desktopEnvSchema.pick`), so a setting for
 * another program never stops it; the defaults that differ between them (the home, the port) are
 * theirs to give.
 */
export const desktopEnvSchema = z.object({
  /** The server to sync with. */
  VIGILO_SERVER_URL: z
    .url({ protocol: /^https?$/, error: 'VIGILO_SERVER_URL must be an http:// or https:// URL' })
    .default('http://127.0.0.1:7300'),
  /** The workspace (slug or id) opened when none was opened before on this device. */
  VIGILO_WORKSPACE: z.string().min(1, 'VIGILO_WORKSPACE must not be empty').optional(),
  /** Replicas, tokens and the log (default: the host's ~/.vigilo-desktop, npm start's $VIGILO_HOME/desktop). */
  VIGILO_DESKTOP_HOME: z.string().min(1, 'VIGILO_DESKTOP_HOME must not be empty').optional(),
  /** The host's port on 127.0.0.1; a taken one falls back to a free port. */
  VIGILO_DESKTOP_PORT: z.coerce.number({ error: port }).int(port).min(0, port).max(65535, port).optional(),
  /** An API token instead of signing in (the host only). */
  VIGILO_TOKEN: z.string().min(1, 'VIGILO_TOKEN must not be empty').optional(),
  /** `npm start` without the desktop when 0. */
  VIGILO_DESKTOP: z.enum(['0', '1'], { error: 'VIGILO_DESKTOP must be 0 or 1' }).default('1'),
});
export type DesktopEnv = z.output<typeof desktopEnvSchema>;

/** What is wrong with an environment, one line per variable. */
export function envProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => i.message);
}

/** The desktop home of the host run on its own when VIGILO_DESKTOP_HOME is not set. */
export function defaultDesktopHome(): string {
  return path.join(os.homedir(), '.vigilo-desktop');
}
