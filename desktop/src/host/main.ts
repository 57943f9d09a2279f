// The headless desktop host on its own: `npm run host -w @vigilo/desktop` (`npm start` runs it
// next to the server). Runs the desktop core in Node and prints the URL to open in a browser,
// where the page signs in through the server's identity provider. Settings from the environment
// (desktop/src/core/env.ts): VIGILO_SERVER_URL (default http://127.0.0.1:7300), VIGILO_WORKSPACE
// (opened when none was before), VIGILO_DESKTOP_HOME (default ~/.vigilo-desktop),
// VIGILO_DESKTOP_PORT (default: free), VIGILO_TOKEN (an API token instead of signing in).
import { defaultDesktopHome, desktopEnvSchema, envProblems } from '../core/env.ts';
import { startDesktopHost } from './desktop-host.ts';

const env = desktopEnvSchema
  .pick({
    VIGILO_SERVER_URL: true,
    VIGILO_WORKSPACE: true,
    VIGILO_DESKTOP_HOME: true,
    VIGILO_DESKTOP_PORT: true,
    VIGILO_TOKEN: true,
  })
  .safeParse(process.env);
const say = (line: string) => process.stdout.write(`${line}\n`);
if (!env.success) {
  process.stderr.write(`vigilo desktop host: ${envProblems(env.error).join('; ')}\n`);
  process.exit(2);
}

const desktop = await startDesktopHost({
  serverUrl: env.data.VIGILO_SERVER_URL,
  dataDir: env.data.VIGILO_DESKTOP_HOME ?? defaultDesktopHome(),
  port: env.data.VIGILO_DESKTOP_PORT ?? 0,
  ...(env.data.VIGILO_TOKEN ? { fixedToken: env.data.VIGILO_TOKEN } : {}),
  ...(env.data.VIGILO_WORKSPACE ? { workspace: env.data.VIGILO_WORKSPACE } : {}),
  print: say,
});
say(`Vigilo desktop: ${desktop.url}`);

const stop = () => void desktop.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
