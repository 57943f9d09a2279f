// `npm start`: the single-machine product in one process. The server (`vigilo up`) and, once it
// listens, the desktop host next to it, printing the URL to open. The launcher is the one place
// that knows both programs: the server never imports desktop code (build/lint/boundaries.js).
//   VIGILO_DESKTOP=0            the server only
//   VIGILO_DESKTOP_PORT=7310    the host's port on 127.0.0.1 (a free one when taken; 0: any free one)
//   VIGILO_DESKTOP_HOME         the desktop's replicas and tokens (default $VIGILO_HOME/desktop)
//   VIGILO_DEMO=0 or --no-demo  no demo endpoints and hosts (server/src/embedded/demo-setup.ts)
import path from 'node:path';
import { desktopEnvSchema, envProblems } from '../desktop/src/core/env.ts';
import { startDesktopHost } from '../desktop/src/host/desktop-host.ts';
import { demoWanted } from '../server/src/embedded/demo-setup.ts';
import { up } from '../server/src/cli/up.ts';
import { exitWith } from '../server/src/cli/exit.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);

// The desktop's variables and their rules are the desktop's own (desktop/src/core/env.ts).
const desktopEnv = desktopEnvSchema.pick({
  VIGILO_DESKTOP: true,
  VIGILO_DESKTOP_PORT: true,
  VIGILO_DESKTOP_HOME: true,
});

async function main(): Promise<number> {
  const env = desktopEnv.safeParse(process.env);
  if (!env.success) {
    process.stderr.write(`vigilo: ${envProblems(env.error).join('\n')}\n`);
    return 2;
  }
  const desktop = env.data;
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--no-demo');
  if (unknown.length > 0) {
    process.stderr.write(`vigilo: unknown option ${unknown.join(' ')} (npm start accepts --no-demo)\n`);
    return 2;
  }
  const demo = demoWanted(args, process.env);
  if (!demo.ok) {
    process.stderr.write(`vigilo: ${demo.message}\n`);
    return 2;
  }
  await up({
    demo: demo.enabled,
    env: process.env,
    cwd: process.cwd(),
    print,
    onListening:
      desktop.VIGILO_DESKTOP === '0'
        ? undefined
        : async (server) => {
            try {
              const host = await startDesktopHost({
                serverUrl: server.publicUrl,
                issuer: server.issuer,
                dataDir: desktop.VIGILO_DESKTOP_HOME ?? path.join(server.home, 'desktop'),
                port: desktop.VIGILO_DESKTOP_PORT ?? 7310,
                print,
              });
              print(`Vigilo desktop: ${host.url}`);
              print('  Open it in a browser to sign in (the Electron app needs its binary; see README).');
              return () => host.close();
            } catch (err) {
              // The server is useful without the desktop: say why and keep serving.
              print(`The desktop could not start: ${(err as Error).message}`);
              return undefined;
            }
          },
  });
  return 0;
}

exitWith(main());
