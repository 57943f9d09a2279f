import type { FastifyInstance } from 'fastify';
import { migrationStatus } from '../db/migrate.ts';
import type { Services } from '../services.ts';

/**
 * /healthz: the process answers (for restarts). /readyz: it can do its job: the database answers
 * and its schema is at this build's latest migration (for load balancers). /metrics: Prometheus.
 */
export function registerProbes(app: FastifyInstance, services: Services): void {
  app.get('/healthz', (_req, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      const client = await services.db.owner.connect();
      try {
        await client.query('SELECT 1');
        checks.database = { ok: true };
        const status = await migrationStatus(client, services.migrations);
        checks.migrations = status.current
          ? { ok: true }
          : { ok: false, detail: `schema at ${status.applied}, this build expects ${status.latest}` };
      } finally {
        client.release();
      }
    } catch (err) {
      checks.database = { ok: false, detail: (err as Error).message };
    }
    const ready = Object.values(checks).every((c) => c.ok) && checks.migrations !== undefined;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_req, reply) =>
    reply.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics()),
  );
}
