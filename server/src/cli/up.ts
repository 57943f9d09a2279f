import type { Logger } from 'pino';
import pg from 'pg';
import { type Config, loadConfig } from '../config/env.ts';
import { loadMigrations, migrate } from '../db/migrate.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../embedded/postgres.ts';
import { isPortFree } from '../embedded/ports.ts';
import { VigiloError } from '../errors.ts';
import { buildApp } from '../http/app.ts';
import { createLogger } from '../observability/logger.ts';
import { createIdentity, type Identity } from '../identity/identity.ts';
import { loadSecretKey } from '../integrations/secrets.ts';
import { bootstrapFirstRun } from '../platform/bootstrap.ts';
import { startDemo } from '../embedded/demo-setup.ts';
import { startLocalAgent } from '../embedded/local-agent.ts';
import { startRuntime } from '../runtime.ts';
import { VERSION } from '../version.ts';

export type UpIo = {
  env: NodeJS.ProcessEnv;
  cwd: string;
  print: (line: string) => void;
  /**
   * Called once the server listens (e.g. the launcher starts the desktop host next to it). The
   * cleanup it returns runs before the server stops. The server itself imports no such program.
   */
  onListening?: (server: ServerInfo) => Promise<(() => Promise<void>) | undefined>;
  /** Run the first-run demo endpoints next to the local agent (embedded/demo-setup.ts). */
  demo?: boolean;
};

/** What a program started next to the server needs to know about it. */
export type ServerInfo = { url: string; publicUrl: string; issuer: string; home: string };

/**
 * `vigilo up`: the single-machine product. Starts the embedded Postgres (unless DATABASE_URL is
 * set), migrates, serves on VIGILO_HOST:VIGILO_PORT, and on SIGINT/SIGTERM stops the server, then
 * Postgres, and resolves. Each part started is stopped in reverse order whatever fails.
 */
export async function up(io: UpIo): Promise<void> {
  const config = loadConfig(io.env, io.cwd);
  const log = createLogger(config.logLevel);
  const stop = waitForStopSignal();
  const cleanups: Array<() => Promise<void>> = [];
  try {
    // Fail before starting anything if the port is taken: nothing to clean up, one clear line.
    if (!(await isPortFree(config.host, config.port))) throw portInUse(config);

    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      io.print(`Starting the embedded Postgres in ${config.home} …`);
      const embedded: EmbeddedPostgres = await startEmbeddedPostgres(config.home, log);
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    if (stop.requested()) return;

    await applyMigrations(databaseUrl, log);
    if (stop.requested()) return;

    const secretKey = await loadSecretKey({ envValue: config.secretKey, home: config.home });
    // The verifier needs the owner pool the runtime creates; requests arrive only after listen.
    const ready: { identity?: Identity } = {};
    const runtime = await startRuntime({
      config,
      log,
      databaseUrl,
      secretKey: secretKey.key,
      verifyAccessToken: (token) => {
        if (!ready.identity) throw new Error('identity is not ready');
        return ready.identity.verifier.verify(token);
      },
    });
    cleanups.push(() => runtime.stop());
    const services = runtime.services;
    const identity = (ready.identity = await createIdentity({
      config: config.identity,
      db: services.db.owner,
      log,
      home: config.home,
    }));
    const firstRun = await bootstrapFirstRun(services.db.owner, {
      issuer: config.identity.issuer,
      home: config.home,
    });
    const app = await buildApp(services);
    await identity.register(app);
    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse(config);
      throw err;
    }
    cleanups.push(() => app.close());

    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
    io.print(`Vigilo ${VERSION} is running at ${url}  (Ctrl-C to stop)`);
    io.print(`Sign-in (OIDC issuer): ${config.identity.issuer}`);
    if (firstRun) {
      io.print(
        `First start: created the owner account ${firstRun.email} with password ${firstRun.password}\n` +
          `  and the workspace "demo". The password is also in ${firstRun.credentialsFile} (mode 0600).\n` +
          '  More users: npm run vigilo -- user add --email you@example.com --name "Your Name"',
      );
    }
    if (io.onListening) {
      const cleanup = await io.onListening({
        url,
        publicUrl: config.identity.publicUrl,
        issuer: config.identity.issuer,
        home: config.home,
      });
      if (cleanup) cleanups.push(cleanup);
    }
    const demo =
      io.demo && config.localAgent
        ? await startDemo({
            owner: services.db.owner,
            home: config.home,
            firstRun: firstRun !== undefined,
            log,
            print: io.print,
          })
        : undefined;
    if (demo) cleanups.push(() => demo.stop());
    if (config.localAgent) {
      const agent = await startLocalAgent({
        owner: services.db.owner,
        serverUrl: config.identity.publicUrl,
        home: config.home,
        log,
        caFiles: demo ? [demo.caFile] : [],
      });
      if (agent) cleanups.push(() => agent.stop());
    }
    await demo?.addHosts();
    await stop.promise;
    io.print('Stopping Vigilo …');
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => log.error({ err }, 'error while stopping'));
    }
    stop.dispose();
  }
}

async function applyMigrations(databaseUrl: string, log: Logger): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'vigilo-migrate' });
  await client.connect();
  try {
    await migrate(client, await loadMigrations(), (msg) => log.info(msg));
  } finally {
    await client.end();
  }
}

function portInUse(config: Config): VigiloError {
  return new VigiloError(
    'PORT_IN_USE',
    `Port ${config.port} on ${config.host} is already in use. Stop whatever holds it, or choose another ` +
      `port: VIGILO_PORT=${config.port === 65535 ? 7301 : config.port + 1} npm start`,
  );
}

/**
 * Resolves on the first SIGINT or SIGTERM; another one while stopping forces an exit. Under
 * `npm start`, Ctrl-C reaches us twice at once (from the terminal's process group and forwarded
 * by npm), so repeats within a second count as the same request.
 */
function waitForStopSignal() {
  let requestedAt: number | undefined;
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  const onSignal = () => {
    const now = Date.now();
    if (requestedAt !== undefined) {
      if (now - requestedAt > 1000) process.exit(130);
      return;
    }
    requestedAt = now;
    resolve();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    promise,
    requested: () => requestedAt !== undefined,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
