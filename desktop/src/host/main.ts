// The headless desktop host on its own: `npm run host -w @vigilo/desktop` (`npm start` runs it
// next to the server). Runs the desktop core in Node and prints the URL to open in a browser,
// where the page signs in through the server's identity provider. Settings from the environment:
//   VIGILO_SERVER_URL (default http://127.0.0.1:7300), VIGILO_WORKSPACE (opened when none was
//   before), VIGILO_DESKTOP_HOME (default ~/.vigilo-desktop), VIGILO_DESKTOP_PORT (default: free),
//   VIGILO_TOKEN (an API token instead of signing in).
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { startDesktopHost } from './desktop-host.ts';

const env = z
  .object({
    VIGILO_SERVER_URL: z
      .url({ error: 'VIGILO_SERVER_URL must be an http:// URL' })
      .default('http://127.0.0.1:7300'),
    VIGILO_WORKSPACE: z.string().min(1).optional(),
    VIGILO_DESKTOP_HOME: z.string().min(1).default(path.join(os.homedir(), '.vigilo-desktop')),
    VIGILO_DESKTOP_PORT: z.coerce
      .number({ error: 'VIGILO_DESKTOP_PORT must be a port number' })
      .int()
      .min(0)
      .max(65535)
      .default(0),
    VIGILO_TOKEN: z.string().min(1).optional(),
  })
  .safeParse(process.env);
const say = (line: string) => process.stdout.write(`${line}\n`);
if (!env.success) {
  process.stderr.write(`vigilo desktop host: ${env.error.issues.map((i) => i.message).join('; ')}\n`);
  process.exit(2);
}

const desktop = await startDesktopHost({
  serverUrl: env.data.VIGILO_SERVER_URL,
  dataDir: env.data.VIGILO_DESKTOP_HOME,
  port: env.data.VIGILO_DESKTOP_PORT,
  ...(env.data.VIGILO_TOKEN ? { fixedToken: env.data.VIGILO_TOKEN } : {}),
  ...(env.data.VIGILO_WORKSPACE ? { workspace: env.data.VIGILO_WORKSPACE } : {}),
  print: say,
});
say(`Vigilo desktop: ${desktop.url}`);

const stop = () => void desktop.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
