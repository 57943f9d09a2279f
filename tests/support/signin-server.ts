import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../server/src/config/env.ts';
import { findFreePort } from '../../server/src/embedded/ports.ts';
import { buildApp } from '../../server/src/http/app.ts';
import { createIdentity, type Identity } from '../../server/src/identity/identity.ts';
import { createLogger } from '../../server/src/observability/logger.ts';
import { bootstrapFirstRun } from '../../server/src/platform/bootstrap.ts';
import { startRuntime } from '../../server/src/runtime.ts';
import type { Services } from '../../server/src/services.ts';
import { signInWithBrowser } from '../../desktop/src/core/session/oidc.ts';
import type { StoredTokens } from '../../desktop/src/core/session/token-store.ts';
import { seedAlert } from './alerts.ts';
import { personSignsIn } from './browser.ts';
import { apiClient } from './client.ts';
import { migrateDatabase } from './database.ts';
import { createTestDatabase } from './postgres.ts';
import { stopServing } from './server.ts';
import type { World } from './world.ts';

export type SignInServer = {
  url: string;
  issuer: string;
  services: Services;
  app: FastifyInstance;
  /** The first-run owner (a local account of the built-in provider) and its password. */
  owner: { email: string; password: string };
  /** Signs in the way a person would (the provider's form, then the loopback redirect). */
  signIn(email: string, password: string): Promise<StoredTokens>;
  api(token: string): ReturnType<typeof apiClient>;
  /** Stops serving HTTP (an outage: the database and data stay). */
  stop(): Promise<void>;
  /** Serves again on the same port, the provider included, after {@link stop}. */
  restart(): Promise<void>;
  /** Puts one open alert into a workspace (rows as the monitoring worker writes them). */
  seedAlert(workspaceId: string): Promise<string>;
  close(): Promise<void>;
};

/**
 * The server as `npm start` runs it, on a throw-away database: the API and the built-in OpenID
 * provider on one port, with the first-run owner and its `demo` workspace. The issuer includes
 * the port, so the port is chosen before anything starts.
 */
export async function startSignInServer(
  opts: { accessTokenTtlSeconds?: number } = {},
): Promise<SignInServer> {
  const database = await createTestDatabase('desktop_signin');
  await migrateDatabase(database.url);
  const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-signin-'));
  const port = await findFreePort('127.0.0.1');
  const config = loadConfig(
    { DATABASE_URL: database.url, VIGILO_LOG_LEVEL: 'silent', VIGILO_PORT: String(port), VIGILO_HOME: home },
    process.cwd(),
  );
  const log = createLogger('silent');
  const ready: { identity?: Identity } = {};
  const runtime = await startRuntime({
    config,
    log,
    databaseUrl: database.url,
    secretKey: randomBytes(32),
    background: false,
    verifyAccessToken: (token) => {
      if (!ready.identity) throw new Error('identity is not ready');
      return ready.identity.verifier.verify(token);
    },
  });
  const services = { ...runtime.services, version: 'test' };
  const identity = (ready.identity = await createIdentity({
    config: config.identity,
    db: services.db.owner,
    log,
    home,
    ...(opts.accessTokenTtlSeconds ? { accessTokenTtlSeconds: opts.accessTokenTtlSeconds } : {}),
  }));
  const firstRun = await bootstrapFirstRun(services.db.owner, { issuer: config.identity.issuer, home });
  if (!firstRun) throw new Error('the throw-away database was not empty');
  const serve = async () => {
    const served = await buildApp(services);
    await identity.register(served);
    await served.listen({ host: '127.0.0.1', port });
    return served;
  };
  let app = await serve();
  let up = true;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    issuer: config.identity.issuer,
    services,
    get app() {
      return app;
    },
    owner: { email: firstRun.email, password: firstRun.password },
    signIn: (email, password) =>
      signInWithBrowser({
        issuer: config.identity.issuer,
        serverUrl: url,
        openBrowser: (authorizeUrl) => personSignsIn(url, authorizeUrl, email, password),
      }),
    api: (token) => apiClient(url, token),
    stop: async () => {
      await stopServing(app);
      up = false;
    },
    restart: async () => {
      app = await serve();
      up = true;
    },
    // seedAlert reads only the owner pool and the workspace id of the world it is given.
    seedAlert: (workspaceId) =>
      seedAlert({ server: { services }, workspace: { id: workspaceId } } as unknown as World, 'open'),
    close: async () => {
      if (up) await stopServing(app);
      await runtime.stop();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
