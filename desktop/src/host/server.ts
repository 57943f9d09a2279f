import { randomBytes, timingSafeEqual } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { type BridgeEvent, isBridgeCall } from '../bridge/contract.ts';
import { BridgeInputError, handleBridgeCall } from '../core/bridge-handlers.ts';
import { DesktopApp } from '../core/desktop-app.ts';
import type { DesktopCore } from '../core/desktop-core.ts';
import { registerSignInRoutes } from './sign-in-routes.ts';

export type Host = { app: FastifyInstance; url: string; key: string; close(): Promise<void> };

/**
 * The headless host: the built renderer and the bridge on 127.0.0.1, for a normal browser. The
 * bridge wants a per-run key (given in the URL fragment, kept by the page), so another local
 * user or a web page in the same browser cannot drive the core through the loopback port.
 * Sign-in needs no key: it only ever stores tokens of whoever completes the provider's page.
 *
 * Give it a {@link DesktopApp} (sign-in, workspace switching) or one `core` with a fixed
 * credential (served alone, as a borrowed core: closing the host leaves it open).
 */
export async function startHost(
  opts: ({ app: DesktopApp } | { core: DesktopCore }) & {
    rendererDir: string;
    port?: number;
    /** When `port` is taken, listen on a free one instead of failing. */
    portFallback?: boolean;
    key?: string;
    clock?: () => Date;
  },
): Promise<Host> {
  const desktop = 'app' in opts ? opts.app : DesktopApp.forCore(opts.core);
  const key = opts.key ?? randomBytes(24).toString('base64url');
  const keyOk = (given: unknown) =>
    typeof given === 'string' &&
    given.length === key.length &&
    timingSafeEqual(Buffer.from(given), Buffer.from(key));
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  await app.register(websocket);
  await app.register(fastifyStatic, { root: opts.rendererDir, index: 'index.html' });
  let url = '';
  const signIn = registerSignInRoutes(app, {
    app: desktop,
    redirectUri: () => `${url}/callback`,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const context = {
    app: desktop,
    // The page itself goes to the provider and comes back to /callback (see sign-in-routes.ts);
    // the ticket proves the keyed page asked for it.
    signIn: () => Promise.resolve({ redirect: `/auth/start?ticket=${signIn.ticket()}` }),
  };

  app.post<{ Params: { name: string } }>('/bridge/:name', async (req, reply) => {
    if (!keyOk(req.headers['x-vigilo-key'])) return reply.code(401).send({ error: 'bad bridge key' });
    const name = req.params.name;
    if (!isBridgeCall(name)) return reply.code(404).send({ error: 'no such call' });
    try {
      return { result: await handleBridgeCall(context, name, req.body) };
    } catch (err) {
      if (err instanceof BridgeInputError) return reply.code(400).send({ error: err.message });
      throw err;
    }
  });

  app.get<{ Querystring: { key?: string } }>('/bridge/events', { websocket: true }, (socket, req) => {
    if (!keyOk(req.query.key)) {
      socket.close(4401, 'bad bridge key');
      return;
    }
    const send = (e: BridgeEvent) => socket.send(JSON.stringify(e));
    const off = desktop.subscribe(send);
    socket.on('close', off);
    send({ type: 'session', session: desktop.session() });
    send({ type: 'state', state: desktop.syncState() });
  });

  try {
    url = await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !opts.portFallback) {
      await app.close();
      throw err;
    }
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  }
  return {
    app,
    url,
    key,
    close: async () => {
      await app.close();
      // A borrowed core stays open for its owner; an app's own cores are the app's to close.
      if (!('app' in opts)) await desktop.close();
    },
  };
}
