import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { createIngestMetrics } from './ingest-metrics.ts';

/** One registry per server instance, so tests can run several servers in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigilo_' });
  const httpRequests = new Counter({
    name: 'vigilo_http_requests_total',
    help: 'HTTP requests served, by route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'vigilo_http_request_duration_seconds',
    help: 'HTTP request latency, by route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, httpRequests, httpDuration, ingest: createIngestMetrics(registry) };
}
export type Metrics = ReturnType<typeof createMetrics>;
