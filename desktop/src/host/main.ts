// The headless desktop host: `npm run host -w @vigilo/desktop`. Runs the desktop core in Node
// and prints the URL to open in a browser. Settings come from the environment:
//   VIGILO_SERVER_URL (default http://127.0.0.1:7300), VIGILO_WORKSPACE (default demo),
//   VIGILO_DESKTOP_HOME (default ~/.vigilo-desktop), VIGILO_TOKEN (an API token; otherwise the
//   OIDC sign-in runs through the browser and its tokens are kept in a 0600 file).
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DesktopCore } from '../core/desktop-core.ts';
import { signInWithBrowser, tokenSource } from '../core/session/oidc.ts';
import { fileTokenStore } from '../core/session/token-store.ts';
import { startHost } from './server.ts';

const serverUrl = process.env.VIGILO_SERVER_URL ?? 'http://127.0.0.1:7300';
const workspace = process.env.VIGILO_WORKSPACE ?? 'demo';
const home = process.env.VIGILO_DESKTOP_HOME ?? path.join(os.homedir(), '.vigilo-desktop');
const store = fileTokenStore(path.join(home, 'tokens.json'));
const fixed = process.env.VIGILO_TOKEN;
const say = (line: string) => process.stdout.write(`${line}\n`);

if (!fixed && !store.load()) {
  const issuer = `${serverUrl}/oidc`;
  store.save(
    await signInWithBrowser({
      issuer,
      serverUrl,
      openBrowser: (url) => void say(`Sign in to Vigilo: ${url}`),
    }),
  );
}
const core = new DesktopCore({
  dataDir: home,
  serverUrl,
  workspace,
  token: fixed ? () => Promise.resolve(fixed) : tokenSource(store),
  schedule: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  dev: !fixed && store.load()?.issuer === `${serverUrl}/oidc`,
});
const host = await startHost({
  core,
  rendererDir: fileURLToPath(new URL('../../out/renderer/', import.meta.url)),
  port: Number(process.env.VIGILO_DESKTOP_PORT ?? 0),
});
core.engine.start();
say(`Vigilo desktop host: ${host.url}/#key=${host.key}`);

const stop = () => {
  void host
    .close()
    .then(() => core.close())
    .then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
