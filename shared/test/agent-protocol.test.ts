import { describe, expect, it } from 'vitest';
import {
  AgentConfig,
  ApiError,
  parseRetryAfter,
  PushBatchRequest,
  PushBatchResponse,
} from '../src/agent-protocol.ts';
import { Snapshot } from '../src/snapshot.ts';

const snapshot = {
  schema_version: 1,
  id: '0190d000-0000-7000-8000-000000000001',
  target: {
    host_id: null,
    hostname: 'a.test',
    port: 443,
    protocol: 'https',
    starttls: false,
    address: '10.0.0.1',
    sni: 'a.test',
  },
  scanned_at: '2026-01-01T00:00:00.000Z',
  agent_version: '0.1.0',
  reachability: {
    state: 'unreachable',
    reason: 'tcp_refused',
    phase: 'tcp',
    detail: 'connect ECONNREFUSED',
    error_code: 'ECONNREFUSED',
  },
  latency: { dns_ms: 1, tcp_ms: null, starttls_ms: null, tls_ms: null, http_ms: null, total_ms: 2 },
  tls: null,
  http: null,
  grade: null,
};

describe('snapshot schema', () => {
  it('accepts a well-formed snapshot', () => {
    expect(Snapshot.parse(snapshot)).toEqual(snapshot);
  });
  it('names the field that is wrong', () => {
    const bad = Snapshot.safeParse({ ...snapshot, id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }); // a v1 UUID
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['id']);
    const badPort = Snapshot.safeParse({ ...snapshot, target: { ...snapshot.target, port: 70000 } });
    expect(badPort.error!.issues[0]!.path).toEqual(['target', 'port']);
  });
});

describe('agent protocol', () => {
  it('validates a push batch and fills defaults', () => {
    const batch = PushBatchRequest.parse({
      batch_id: '0190d000-0000-7000-8000-0000000000aa',
      agent_version: '0.1.0',
      sent_at: '2026-01-01T00:00:01.000Z',
      snapshots: [snapshot],
    });
    expect(batch.losses).toEqual([]);
    const answer = PushBatchResponse.parse({
      batch_id: batch.batch_id,
      accepted: [snapshot.id],
      duplicate: [],
    });
    expect(answer).toMatchObject({ losses_recorded: [], config_version: null });
  });
  it('refuses a batch over the size limit', () => {
    const many = Array.from({ length: 501 }, () => snapshot);
    expect(
      PushBatchRequest.safeParse({
        batch_id: snapshot.id,
        agent_version: 'x',
        sent_at: snapshot.scanned_at,
        snapshots: many,
      }).success,
    ).toBe(false);
  });
  it('accepts only the scan intervals of the product', () => {
    const base = { version: 3, agent_id: '0190d000-0000-7000-8000-000000000001' };
    const host = {
      host_id: '0190d000-0000-7000-8000-000000000002',
      hostname: 'a',
      port: 443,
      protocol: null,
    };
    expect(AgentConfig.parse({ ...base, hosts: [{ ...host, interval_s: 900 }] }).hosts[0]!.posture).toBe(
      true,
    );
    expect(AgentConfig.safeParse({ ...base, hosts: [{ ...host, interval_s: 60 }] }).success).toBe(false);
  });
  it('parses error bodies', () => {
    expect(ApiError.parse({ error: { code: 'backpressure', message: 'busy' } }).error.issues).toEqual([]);
  });
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
