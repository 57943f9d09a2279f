import {
  AGENT_HEADERS,
  AGENT_PATHS,
  type AgentConfig,
  EnrollRequest,
  PushBatchRequest,
  type PushBatchResponse,
} from '@vigilo/shared/agent-protocol';
import { setTimeout } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { withWorkspace } from '../db/tx.ts';
import { type AuthenticatedAgent, authenticateAgent } from '../monitoring/agents/agent-auth.ts';
import { createAgentCache } from '../monitoring/agents/agent-cache.ts';
import { enrollAgent } from '../monitoring/agents/enroll.ts';
import { snapshotTimeIssues } from '../monitoring/ingest/snapshot-times.ts';
import type { Services } from '../services.ts';
import { bearerFrom } from '../trpc/context.ts';
import { AGENT_BODY_LIMITS, agentBodyHook } from './agent-body.ts';
import { agentErrorAnswer, sendError, zodIssues } from './agent-errors.ts';
import type { Drain } from './drain.ts';
import { rawBodyOf } from './raw-body.ts';

const LONG_POLL_MAX_S = 55;
/** Enrollment bodies are four short strings. */
const ENROLL_BODY_BYTES = 16 * 1024;

/** What the agent says of itself in AGENT_HEADERS; a value it cannot read is ignored, not refused. */
function agentReport(req: FastifyRequest): { version: string | undefined; spoolDepth: number | undefined } {
  const version = req.headers[AGENT_HEADERS.version];
  const depth = req.headers[AGENT_HEADERS.spoolDepth];
  return {
    version: typeof version === 'string' && /^[\x20-\x7e]{1,100}$/.test(version) ? version : undefined,
    spoolDepth: typeof depth === 'string' && /^\d{1,9}$/.test(depth) ? Number(depth) : undefined,
  };
}

/**
 * The agents' API (shared/src/agent-protocol.ts): enroll, pull config (ETag, long-poll), push
 * snapshot batches (gzip). Plain HTTP rather than tRPC: agents are another program with their
 * own wire contract, versioned under /agent/v1.
 */
export function registerAgentApi(app: FastifyInstance, services: Services, drain: Drain): void {
  app.register((scope, _opts, done) => {
    scope.setErrorHandler(agentErrorAnswer(services.log));
    // JSON only (Fastify also parses text/plain by default): anything else is a typed 415.
    scope.removeContentTypeParser('text/plain');

    const checkAgent = (req: FastifyRequest): Promise<AuthenticatedAgent | undefined> =>
      authenticateAgent(services.db.owner, bearerFrom(req.headers.authorization), {
        at: services.clock(),
        address: req.ip,
        ...agentReport(req),
      });
    // Pushes come every few seconds per agent: their credential and hosts are remembered briefly
    // (agent-cache.ts says what that costs a revocation). Config reads always ask the database.
    const cache = createAgentCache({ ttlMs: services.config.agentCacheMs });
    /** checkAgent (through the cache for pushes), and a failure counted per address. */
    const agentFrom = async (
      req: FastifyRequest,
      cached: boolean,
    ): Promise<AuthenticatedAgent | undefined> => {
      const agent = cached
        ? await cache.agent(bearerFrom(req.headers.authorization), () => checkAgent(req))
        : await checkAgent(req);
      if (!agent) await services.credentialFailures.hit(req.ip);
      return agent;
    };

    // An address past the limit on failed credential checks gets 429 before any check, on every
    // path: enrollment tokens are credentials too.
    scope.addHook('onRequest', async (req, reply) => {
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

    // The agent behind a request, found before its body is read (onRequest): a stranger's body,
    // compressed or not, is never read, let alone inflated.
    const agents = new WeakMap<FastifyRequest, AuthenticatedAgent>();
    const agentCheck = (cached: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
      const agent = await agentFrom(req, cached);
      if (agent) return void agents.set(req, agent);
      if (req.method !== 'GET') void reply.header('connection', 'close');
      return sendError(reply, 401, 'unauthorized', 'unknown or revoked agent credential');
    };
    const requireAgent = agentCheck(false);
    const agentOf = (req: FastifyRequest): AuthenticatedAgent => {
      const agent = agents.get(req);
      if (!agent) throw new Error('agent route without requireAgent');
      return agent;
    };

    scope.post(
      AGENT_PATHS.enroll,
      { bodyLimit: ENROLL_BODY_BYTES, preParsing: agentBodyHook({ gzip: false }) },
      async (req, reply) => {
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
        if (!outcome.ok) {
          // Unknown, spent and expired tokens alike: guessing enrollment tokens is limited as
          // guessing any other credential is.
          await services.credentialFailures.hit(req.ip);
          return sendError(reply, outcome.status, outcome.code, outcome.message);
        }
        return reply.code(201).send(outcome.response);
      },
    );

    scope.get<{ Querystring: { wait?: string } }>(
      AGENT_PATHS.config,
      { onRequest: requireAgent },
      async (req, reply) => {
        let agent = agentOf(req);
        const etag = (v: number) => `"${v}"`;
        // Long-poll: with ?wait=N and an unchanged config, hold the answer until it changes.
        const wait = Math.min(Number(req.query.wait ?? 0) || 0, LONG_POLL_MAX_S);
        const deadline = Date.now() + wait * 1000;
        while (
          req.headers['if-none-match'] === etag(agent.configVersion) &&
          Date.now() < deadline &&
          !req.raw.destroyed
        ) {
          await setTimeout(500, undefined, { signal: drain.closing }).catch(() => undefined);
          // The server is stopping: the agent asks again later (after the database is gone, a
          // check here would fail), and a gone agent needs no answer at all.
          if (drain.closing.aborted)
            return sendError(
              reply.header('retry-after', '5'),
              503,
              'backpressure',
              'the server is stopping; retry later',
            );
          if (req.raw.destroyed) return reply;
          // Revoked while waiting: the agent hears it now. Not a guess, so not counted as one
          // (a long poll re-checks a hundred times).
          const still = await checkAgent(req);
          if (!still) return sendError(reply, 401, 'unauthorized', 'unknown or revoked agent credential');
          agent = still;
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
      },
    );

    scope.post(
      AGENT_PATHS.snapshots,
      {
        bodyLimit: AGENT_BODY_LIMITS.maxBytes,
        onRequest: agentCheck(true),
        preParsing: agentBodyHook({ gzip: true, keepRaw: true }),
      },
      async (req, reply) => {
        const agent = agentOf(req);
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
        // Judged against the server's clock, before anything is written: one snapshot out of range
        // refuses the batch, named, so the agent can isolate and drop it.
        const untimely = snapshotTimeIssues(
          batch.snapshots,
          services.clock(),
          services.config.snapshotRetentionDays,
        );
        if (untimely[0])
          return sendError(
            reply,
            400,
            'invalid_request',
            `snapshot ${untimely[0].index}: ${untimely[0].message}; nothing was stored`,
            untimely.slice(0, 20).map(({ path, message }) => ({ path, message })),
          );
        const assigned = await cache.hosts(
          agent.id,
          batch.snapshots.flatMap((s) => (s.target.host_id ? [s.target.host_id] : [])),
          () =>
            withWorkspace(
              services.db.app,
              agent.workspaceId,
              { actor: { type: 'agent', id: agent.id }, requestId: String(req.id) },
              async (tx) =>
                new Set(
                  (
                    await tx.query<{ id: string }>('SELECT id FROM hosts WHERE agent_id = $1', [agent.id])
                  ).rows.map((r) => r.id),
                ),
            ),
        );
        const stranger = batch.snapshots.findIndex(
          (s) => !s.target.host_id || !assigned.has(s.target.host_id),
        );
        if (stranger !== -1) {
          return sendError(
            reply,
            403,
            'forbidden',
            `snapshot ${stranger} is for a host this agent is not assigned: nothing was stored`,
            [{ path: `snapshots.${stranger}.target.host_id`, message: 'not a host assigned to this agent' }],
          );
        }
        const outcome = await services.ingest.submit(
          {
            agentId: agent.id,
            workspaceId: agent.workspaceId,
            batchId: batch.batch_id,
            snapshots: batch.snapshots,
            losses: batch.losses,
            receivedAt: services.clock().toISOString(),
          },
          // The agent's own bytes, for a sink that queues them, when they hold exactly `batch`.
          () => rawBodyOf(req, req.body, batch),
        );
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
      },
    );
    done();
  });
}
