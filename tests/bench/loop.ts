/**
 * `npm run bench:loop` (issue 17): how fast a rule flip reaches people. A bench "agent" pushes
 * one snapshot at a time through the real agent API, alternating a certificate that expires in
 * 10 days and one that expires in 120, so each push opens or resolves the alert of a critical
 * "expires within 30 days" rule. From the moment the push starts it measures
 *   (a) commit: the alert's transaction committed, seen through LISTEN on the channel the events
 *       trigger NOTIFYs at commit (the first notification after the push: the stored snapshot,
 *       the alert and its events are one transaction);
 *   (b) event: the alert.opened / alert.resolved event arriving on a desktop core's live
 *       subscription (a second subscriber on the core's own socket; the core's engine runs as in
 *       the app and pulls on each event, so `replica` is when the row reached its replica);
 *   (c) webhook: the signed delivery reaching a webhook receiver on loopback.
 * Flips run one after another (the next push once all three arrived), after a warm-up.
 *
 * Servers are separate processes on the test Postgres (a throw-away database): BENCH_MODE=single
 * runs one with every role (in-process event bus); BENCH_MODE=scaled runs an API process (the
 * desktop's server), a receiver (ingest, Redis stream) and a worker (stores, evaluates,
 * dispatches, delivers), over a Redis of the bench's own with appendonly and appendfsync always.
 * Without BENCH_MODE both run, single first. One JSON line per mode; the last line is the last
 * mode's. Env: BENCH_FLIPS (1000), BENCH_WARMUP (20), BENCH_MODE.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import pg from 'pg';
import type { DesktopCore } from '../../desktop/src/core/desktop-core.ts';
import { openCore, tempDir } from '../../desktop/test/support/core.ts';
import { enrollAgent } from '../support/agent.ts';
import { removeDefaultAlertRules } from '../support/alerts.ts';
import { REPO_ROOT } from '../support/product.ts';
import { type RedisServer, startRedisServer } from '../support/redis.ts';
import { makeSnapshot, uuidv7 } from '../support/snapshots.ts';
import { newWebhookSecret } from '../support/webhooks.ts';
import { createWorld, type World } from '../support/world.ts';

type Mode = 'single' | 'scaled';
const SERVER = path.join(REPO_ROOT, 'server', 'src', 'cli', 'main.ts');
const TMP = path.join(REPO_ROOT, '.tmp');
const flips = Number(process.env.BENCH_FLIPS ?? 1000);
const warmup = Number(process.env.BENCH_WARMUP ?? 20);
const modes: Mode[] =
  process.env.BENCH_MODE === 'single' || process.env.BENCH_MODE === 'scaled'
    ? [process.env.BENCH_MODE]
    : ['single', 'scaled'];
const log = (msg: string) => process.stderr.write(`[bench:loop] ${msg}\n`);
const DAY = 86_400_000;

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i]! * 10) / 10;
}

function stats(name: string, values: number[]) {
  const s = values.slice().sort((a, b) => a - b);
  return {
    [`${name}_p50_ms`]: percentile(s, 50),
    [`${name}_p95_ms`]: percentile(s, 95),
    [`${name}_p99_ms`]: percentile(s, 99),
    [`${name}_max_ms`]: percentile(s, 100),
  };
}

/** Arrival times (performance.now()) of one kind of signal, taken by the first flip after `since`. */
class Arrivals {
  readonly #times: Array<{ at: number; key: string }> = [];
  add(key: string): void {
    this.#times.push({ at: performance.now(), key });
  }
  /** The first arrival of `key` at or after `since`, waiting up to `timeoutMs`. */
  async first(key: string, since: number, timeoutMs: number): Promise<number | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = this.#times.find((t) => t.at >= since && (key === '*' || t.key === key));
      if (hit) return hit.at;
      if (performance.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  count(since: number): number {
    return this.#times.filter((t) => t.at >= since).length;
  }
  /** Forgets what came before `at` (keeps the search short over 1,000 flips). */
  trim(at: number): void {
    const keep = this.#times.filter((t) => t.at >= at);
    this.#times.splice(0, this.#times.length, ...keep);
  }
}

async function runMode(mode: Mode): Promise<Record<string, unknown>> {
  const children: ChildProcess[] = [];
  const secretKey = randomBytes(32);
  const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-bench-loop-'));
  const desktopDir = tempDir('vigilo-bench-loop-desktop-');
  let world: World | undefined;
  let redis: RedisServer | undefined;
  let core: DesktopCore | undefined;
  let listener: pg.Client | undefined;
  let receiver: http.Server | undefined;
  try {
    // Setup through the test's own server (no background work: it takes no part in the loop).
    world = await createWorld({ secretKey });
    await removeDefaultAlertRules(world);
    const admin = world.client('admin');
    const webhooks = new Arrivals();
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string };
        webhooks.add(body.type);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    await admin.channels.create.mutate({
      workspace: 'acme',
      name: 'bench hook',
      type: 'webhook',
      config: {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        secret: newWebhookSecret(),
      },
      eventTypes: ['alert.opened', 'alert.resolved'],
    });
    await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'expires in 30 days',
      predicate: { kind: 'expires_within', days: 30 },
      severity: 'critical',
    });
    const { token: apiToken } = await admin.apiTokens.create.mutate({
      workspace: 'acme',
      name: 'bench desktop',
      role: 'member',
    });
    const agent = await enrollAgent(world, 'bench-agent');
    const host = await world.client('member').hosts.add.mutate({
      workspace: 'acme',
      hostname: 'svc.internal',
      port: 443,
      protocol: 'tls',
      intervalS: 3600,
      agentId: agent.id,
    });

    // The servers under test, as separate processes.
    if (mode === 'scaled') redis = await startRedisServer({ appendonly: true, appendfsync: 'always' });
    const env = {
      ...process.env,
      DATABASE_URL: world.server.database.url,
      VIGILO_SECRET_KEY: secretKey.toString('base64'),
      VIGILO_HOME: home,
      VIGILO_LOCAL_AGENT: 'false',
      VIGILO_LOG_LEVEL: 'warn',
      VIGILO_OUTBOUND_ALLOW: '127.0.0.1/32',
      ...(redis ? { REDIS_URL: redis.url, VIGILO_REDIS_PREFIX: 'vigilo:bench-loop:' } : {}),
    };
    mkdirSync(TMP, { recursive: true });
    const start = async (roles: string) => {
      const port = await freePort();
      children.push(
        spawn(process.execPath, ['--import', 'tsx', SERVER, 'up'], {
          env: { ...env, VIGILO_ROLES: roles, VIGILO_PORT: String(port) },
          stdio: [
            'ignore',
            openSync(path.join(TMP, `bench-loop-${mode}-${roles.replace(/\W/g, '-')}.log`), 'w'),
            'inherit',
          ],
        }),
      );
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; (await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200; i++) {
        if (i > 240) throw new Error(`the ${roles} process did not become ready`);
        await new Promise((r) => setTimeout(r, 250));
      }
      return url;
    };
    let apiUrl: string;
    let pushUrl: string;
    if (mode === 'single') {
      apiUrl = pushUrl = await start('api,ingest,worker,scheduler');
    } else {
      [apiUrl, pushUrl] = await Promise.all([start('api,scheduler'), start('ingest'), start('worker')]);
    }
    log(`${mode}: servers up (${children.length} process${children.length > 1 ? 'es' : ''})`);

    // Commits, seen at once: the events trigger NOTIFYs vigilo_events when its transaction commits.
    const commits = new Arrivals();
    listener = new pg.Client({ connectionString: world.server.database.url });
    await listener.connect();
    listener.on('notification', () => commits.add('*'));
    await listener.query('LISTEN vigilo_events');

    // The desktop core, its engine running as in the app; a recorder on its socket.
    const events = new Arrivals();
    const replica = new Arrivals();
    ({ core } = openCore({
      dataDir: desktopDir.dir,
      serverUrl: apiUrl,
      workspace: 'acme',
      token: apiToken,
      schedule: (fn, ms) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      },
    }));
    const desktop = core;
    desktop.subscribe((e) => {
      if (e.type === 'changed' && e.tables.includes('alerts')) replica.add('*');
    });
    desktop.engine.start();
    await desktop.engine.syncNow();
    const recorder = desktop.api.events.live.subscribe(
      { workspace: 'acme', types: ['alert.opened', 'alert.resolved'] },
      { onData: (e) => events.add(e.type) },
    );
    for (let i = 0; !desktop.engine.live().open; i++) {
      if (i > 500) throw new Error('the desktop live stream did not open');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 500));

    const now = Date.now();
    const soon = new Date(now + 10 * DAY);
    const later = new Date(now + 120 * DAY);
    const push = async (bad: boolean) => {
      const res = await fetch(`${pushUrl}${AGENT_PATHS.snapshots}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          batch_id: uuidv7(),
          agent_version: 'bench',
          sent_at: new Date().toISOString(),
          snapshots: [
            makeSnapshot({
              hostId: host.id,
              hostname: 'svc.internal',
              notAfter: bad ? soon : later,
              certSeed: bad ? 'soon' : 'later',
            }),
          ],
        }),
      });
      if (res.status !== 200) throw new Error(`push refused: ${res.status} ${await res.text()}`);
    };

    const samples = {
      ack: [] as number[],
      commit: [] as number[],
      event: [] as number[],
      webhook: [] as number[],
      replica: [] as number[],
    };
    const missing = { commit: 0, event: 0, webhook: 0 };
    let notifies = 0;
    const loadBefore = os.loadavg()[0]!;
    const began = performance.now();
    // Even flips open (warm-up included), so the count of pushes decides the alert's state.
    for (let i = 0; i < warmup + flips; i++) {
      const bad = i % 2 === 0;
      const type = bad ? 'alert.opened' : 'alert.resolved';
      const t0 = performance.now();
      await push(bad);
      const acked = performance.now();
      const [commit, event, webhook, replicated] = await Promise.all([
        commits.first('*', t0, 10_000),
        events.first(type, t0, 10_000),
        webhooks.first(type, t0, 10_000),
        replica.first('*', t0, 10_000),
      ]);
      if (i < warmup) continue;
      samples.ack.push(acked - t0);
      if (commit === undefined) missing.commit += 1;
      else samples.commit.push(commit - t0);
      if (event === undefined) missing.event += 1;
      else samples.event.push(event - t0);
      if (webhook === undefined) missing.webhook += 1;
      else samples.webhook.push(webhook - t0);
      if (replicated !== undefined) samples.replica.push(replicated - t0);
      notifies += commits.count(t0);
      for (const a of [commits, events, webhooks, replica]) a.trim(t0);
      if ((i - warmup + 1) % 200 === 0) log(`${mode}: ${i - warmup + 1} flips`);
    }
    const seconds = (performance.now() - began) / 1000;
    recorder.unsubscribe();
    const alerts = await listener.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM alerts WHERE host_id = $1',
      [host.id],
    );
    return {
      mode,
      flips,
      seconds: Math.round(seconds * 10) / 10,
      ...stats('ack', samples.ack),
      commit_p50_ms: stats('commit', samples.commit).commit_p50_ms,
      commit_p95_ms: stats('commit', samples.commit).commit_p95_ms,
      commit_p99_ms: stats('commit', samples.commit).commit_p99_ms,
      ...stats('event', samples.event),
      ...stats('replica', samples.replica),
      ...stats('webhook', samples.webhook),
      missing,
      // About 1 when nothing but the flip's own transaction commits events meanwhile.
      notifies_per_flip: Math.round((notifies / flips) * 100) / 100,
      alerts_opened: alerts.rows[0]!.n,
      load_1m_before: Math.round(loadBefore * 10) / 10,
      load_1m_after: Math.round(os.loadavg()[0]! * 10) / 10,
      cpus: os.cpus().length,
      node: process.version,
    };
  } finally {
    await core?.close().catch(() => {});
    await listener?.end().catch(() => {});
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map(
        (c) =>
          new Promise((r) => (c.exitCode === null && c.signalCode === null ? c.once('exit', r) : r(null))),
      ),
    );
    receiver?.closeAllConnections();
    receiver?.close();
    await world?.close();
    await redis?.stop();
    desktopDir.cleanup();
    await rm(home, { recursive: true, force: true });
  }
}

for (const mode of modes) {
  const result = await runMode(mode);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
