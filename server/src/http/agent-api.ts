import { createGunzip } from 'node:zlib';
import {
  AGENT_PATHS,
  type AgentConfig,
  type ApiError,
  type ApiErrorCode,
  EnrollRequest,
  PUSH_LIMITS,
  PushBatchRequest,
  type PushBatchResponse,
} from '@vigilo/shared/agent-protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { withWorkspace } from '../db/workspace-tx.ts';
import { type AuthenticatedAgent, authenticateAgent } from '../monitoring/agent-auth.ts';
import { enrollAgent } from '../monitoring/enroll.ts';
import type { Services } from '../services.ts';
import { bearerFrom } from '../trpc/context.ts';

/** Decompressed push bodies are capped: a small gzip must not expand into gigabytes. */
const MAX_BODY_BYTES = PUSH_LIMITS.maxBatchBytes * 2;
const LONG_POLL_MAX_S = 55;

function sendError(
  reply: FastifyReply,
  status: number,
  code: ApiErrorCode,
  message: string,
  issues: ApiError['error']['issues'] = [],
) {
  return reply.code(status).send({ error: { code, message, issues } } satisfies ApiError);
}

function zodIssues(error: z.ZodError): ApiError['error']['issues'] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/**
 * The agents' API (shared/src/agent-protocol.ts): enroll, pull config (ETag, long-poll), push
 * snapshot batches (gzip). Plain HTTP rather than tRPC: agents are another program with their
 * own wire contract, versioned under /agent/v1.
 */
export function registerAgentApi(app: FastifyInstance, services: Services): void {
  app.register((scope, _opts, done) => {
    // Accept `content-encoding: gzip` bodies, decompressing with a size cap.
    scope.addHook('preParsing', (req, _reply, payload, done) => {
      if (req.headers['content-encoding'] !== 'gzip') return done(null, payload);
      delete req.headers['content-length'];
      let total = 0;
      const gunzip = createGunzip();
      gunzip.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > MAX_BODY_BYTES)
          gunzip.destroy(Object.assign(new Error('batch too large'), { statusCode: 413 }));
      });
      done(null, payload.pipe(gunzip));
    });
    scope.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      if (err.statusCode === 413)
        return sendError(reply, 413, 'batch_too_large', 'the batch is too large: send fewer snapshots');
      if (err.statusCode === 400 || err.name === 'SyntaxError')
        return sendError(reply, 400, 'invalid_request', `the body is not valid JSON: ${err.message}`);
      services.log.error({ err }, 'agent API failed');
      return sendError(reply, 500, 'internal', 'internal error; the agent keeps the batch and retries');
    });

    const agentFrom = async (
      req: { headers: Record<string, unknown>; ip: string },
      version?: string,
    ): Promise<AuthenticatedAgent | undefined> => {
      const agent = await authenticateAgent(
        services.db.owner,
        bearerFrom(req.headers.authorization as string | undefined),
        { at: services.clock(), address: req.ip, version },
      );
      // Counted per address (the same limit as the API's; checked in the onRequest hook below).
      if (!agent) await services.credentialFailures.hit(req.ip);
      return agent;
    };

    // An address past the limit on failed credential checks gets 429 before any check.
    scope.addHook('onRequest', async (req, reply) => {
      if (req.url.startsWith(AGENT_PATHS.enroll)) return;
      const limit = await services.credentialFailures.peek(req.ip);
      if (limit.allowed) return;
      const seconds = Math.ceil(limit.retryAfterMs / 1000);
      void reply.header('retry-after', String(seconds));
      return sendError(
        reply,
        429,
        'rate_limited',
        `too many failed credential checks: try again in ${seconds} s`,
      );
    });

    scope.post(AGENT_PATHS.enroll, async (req, reply) => {
      const parsed = EnrollRequest.safeParse(req.body);
      if (!parsed.success)
        return sendError(
          reply,
          400,
          'invalid_request',
          'invalid enrollment request',
          zodIssues(parsed.error),
        );
      const outcome = await enrollAgent(services.db.owner, parsed.data, services.clock(), req.ip);
      if (!outcome.ok) return sendError(reply, outcome.status, outcome.code, outcome.message);
      return reply.code(201).send(outcome.response);
    });

    scope.get<{ Querystring: { wait?: string } }>(AGENT_PATHS.config, async (req, reply) => {
      let agent = await agentFrom(req);
      if (!agent) return sendError(reply, 401, 'unauthorized', 'unknown or revoked agent credential');
      const etag = (v: number) => `"${v}"`;
      // Long-poll: with ?wait=N and an unchanged config, hold the answer until it changes.
      const wait = Math.min(Number(req.query.wait ?? 0) || 0, LONG_POLL_MAX_S);
      const deadline = Date.now() + wait * 1000;
      while (
        req.headers['if-none-match'] === etag(agent.configVersion) &&
        Date.now() < deadline &&
        !req.raw.destroyed
      ) {
        await new Promise((r) => setTimeout(r, 500));
        agent = (await agentFrom(req)) ?? agent;
      }
      if (req.headers['if-none-match'] === etag(agent.configVersion))
        return reply.code(304).header('etag', etag(agent.configVersion)).send();
      const current = agent;
      const config = await withWorkspace(
        services.db.app,
        current.workspaceId,
        { actor: { type: 'agent', id: current.id }, requestId: String(req.id) },
        async (tx) => {
          const { rows } = await tx.query<{
            id: string;
            hostname: string;
            port: number;
            protocol: AgentConfig['hosts'][number]['protocol'];
            interval_s: AgentConfig['hosts'][number]['interval_s'];
          }>(
            'SELECT id, hostname, port, protocol, interval_s FROM hosts WHERE agent_id = $1 AND active ORDER BY hostname, port',
            [current.id],
          );
          return {
            version: current.configVersion,
            agent_id: current.id,
            hosts: rows.map((h) => ({
              host_id: h.id,
              hostname: h.hostname,
              port: h.port,
              protocol: h.protocol,
              interval_s: h.interval_s,
              posture: true,
            })),
            poll_interval_s: 60,
            push: { max_snapshots: 200, max_age_s: 10 },
          } satisfies AgentConfig;
        },
      );
      return reply.header('etag', etag(config.version)).send(config);
    });

    scope.post(AGENT_PATHS.snapshots, { bodyLimit: MAX_BODY_BYTES }, async (req, reply) => {
      const agent = await agentFrom(req);
      if (!agent) return sendError(reply, 401, 'unauthorized', 'unknown or revoked agent credential');
      const parsed = PushBatchRequest.safeParse(req.body);
      if (!parsed.success)
        return sendError(
          reply,
          400,
          'invalid_request',
          'invalid batch: nothing was stored',
          zodIssues(parsed.error),
        );
      const batch = parsed.data;
      const assigned = await withWorkspace(
        services.db.app,
        agent.workspaceId,
        { actor: { type: 'agent', id: agent.id }, requestId: String(req.id) },
        async (tx) =>
          new Set(
            (await tx.query<{ id: string }>('SELECT id FROM hosts WHERE agent_id = $1', [agent.id])).rows.map(
              (r) => r.id,
            ),
          ),
      );
      const stranger = batch.snapshots.findIndex((s) => !s.target.host_id || !assigned.has(s.target.host_id));
      if (stranger !== -1) {
        return sendError(
          reply,
          403,
          'forbidden',
          `snapshot ${stranger} is for a host this agent is not assigned: nothing was stored`,
          [{ path: `snapshots.${stranger}.target.host_id`, message: 'not a host assigned to this agent' }],
        );
      }
      const outcome = await services.ingest.submit({
        agentId: agent.id,
        workspaceId: agent.workspaceId,
        batchId: batch.batch_id,
        snapshots: batch.snapshots,
        losses: batch.losses,
        receivedAt: services.clock().toISOString(),
      });
      if (outcome.kind === 'backpressure') {
        return sendError(
          reply.header('retry-after', String(outcome.retryAfterSeconds)),
          503,
          'backpressure',
          'the server is catching up; retry later',
        );
      }
      const response: PushBatchResponse =
        outcome.kind === 'stored'
          ? {
              batch_id: batch.batch_id,
              accepted: outcome.result.accepted,
              duplicate: outcome.result.duplicate,
              losses_recorded: outcome.result.lossesRecorded,
              config_version: agent.configVersion,
            }
          : {
              batch_id: batch.batch_id,
              accepted: batch.snapshots.map((s) => s.id),
              duplicate: [],
              losses_recorded: batch.losses.map((l) => l.id),
              config_version: agent.configVersion,
            };
      return reply.send(response);
    });
    done();
  });
}
