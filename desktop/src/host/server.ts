import { randomBytes, timingSafeEqual } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { type BridgeCall, bridgeCalls, type BridgeEvent } from '../bridge/contract.ts';
import { BridgeInputError, handleBridgeCall } from '../core/bridge-handlers.ts';
import type { DesktopCore } from '../core/desktop-core.ts';

export type Host = { app: FastifyInstance; url: string; key: string; close(): Promise<void> };

/**
 * The headless host: the built renderer and the bridge on 127.0.0.1, for a normal browser. The
 * bridge wants a per-run key (given in the URL fragment, kept by the page), so another local
 * user or a web page in the same browser cannot drive the core through the loopback port.
 */
export async function startHost(opts: {
  core: DesktopCore;
  rendererDir: string;
  port?: number;
  key?: string;
}): Promise<Host> {
  const key = opts.key ?? randomBytes(24).toString('base64url');
  const keyOk = (given: unknown) =>
    typeof given === 'string' &&
    given.length === key.length &&
    timingSafeEqual(Buffer.from(given), Buffer.from(key));
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  await app.register(websocket);
  await app.register(fastifyStatic, { root: opts.rendererDir, index: 'index.html' });

  app.post<{ Params: { name: string } }>('/bridge/:name', async (req, reply) => {
    if (!keyOk(req.headers['x-vigilo-key'])) return reply.code(401).send({ error: 'bad bridge key' });
    if (!Object.hasOwn(bridgeCalls, req.params.name)) return reply.code(404).send({ error: 'no such call' });
    try {
      return { result: await handleBridgeCall(opts.core, req.params.name as BridgeCall, req.body) };
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
    const off = opts.core.subscribe(send);
    socket.on('close', off);
    send({ type: 'state', state: opts.core.engine.state() });
  });

  const address = await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  return { app, url: address, key, close: () => app.close() };
}
