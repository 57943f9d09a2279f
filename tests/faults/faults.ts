/**
 * `npm run test:faults`: the promises of DESIGN.md §8 held while things break. Under a steady
 * load of agents pushing over loopback, one fault at a time is injected into a deployment of the
 * suite's own (a private Postgres cluster and a private Redis with `appendonly yes`, never the
 * machine's shared ones), and after each the suite waits for recovery with no manual step:
 *
 * - scaled mode (a receiver process and a worker process): kill -9 the worker; the webhook
 *   receiver hangs, then answers 500, then recovers; kill -9 Redis and restart it; the stream
 *   filled past its limit (the worker stalled with SIGSTOP: 503s, then drained);
 * - single-machine mode (one process): kill -9 it mid-batch and restart it; restart Postgres.
 *
 * Checked: every acknowledged snapshot is stored exactly once; no alert is open twice at once or
 * announced twice; event sequence numbers have no gap and every alert change has its event; every
 * alert.opened event reaches the webhook receiver, signed, under one webhook id. Prints a table
 * and, last, one JSON line of totals; exits 1 when anything was lost or duplicated or a fault did
 * not recover.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort, seed } from '../../server/bench/bench-setup.ts';
import { loadMigrations, migrate } from '../../server/src/db/migrate.ts';
import { withWorkspace } from '../../server/src/db/tx.ts';
import { createChannel } from '../../server/src/integrations/channel-actions.ts';
import { cidr } from '../../server/src/integrations/outbound/ip.ts';
import { SecretBox } from '../../server/src/integrations/secrets.ts';
import { streamNames } from '../../server/src/monitoring/ingest/stream-names.ts';
import { startRedisServer } from '../support/redis.ts';
import { isSignedWebhook, newWebhookSecret } from '../support/webhooks.ts';
import { startLoad } from './load.ts';
import { type ServerProcess, serverProcess, startPrivatePostgres } from './infra.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TMP = path.join(ROOT, '.tmp');
mkdirSync(TMP, { recursive: true });
const began = Date.now();
const say = (msg: string) =>
  process.stderr.write(`[faults +${((Date.now() - began) / 1000).toFixed(1)}s] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RECOVERY_LIMIT_MS = 90_000;
const PREFIX = 'vigilo:faults:';
const names = streamNames(PREFIX);

type Row = {
  fault: string;
  load_per_s: number;
  refused: number;
  acknowledged: number;
  stored: number;
  lost: number;
  duplicates: number;
  /** How long the fault itself lasted (the process down, the receiver failing). */
  fault_s: number;
  /** From the fault's end until pushes are acknowledged, all acknowledged stored, all webhooks in. */
  recovery_s: number | null;
};

const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-faults-'));
const postgres = await startPrivatePostgres(path.join(TMP, 'faults-postgres.log'));
// FAULTS_VOLATILE_REDIS=1 runs Redis without its append-only file (and lets the receiver
// acknowledge on it): the suite's own check that it fails when acknowledged batches are lost.
const volatile = process.env.FAULTS_VOLATILE_REDIS === '1';
const redis = await startRedisServer({ appendonly: !volatile, appendfsync: 'always' });
const db = new pg.Pool({ connectionString: postgres.url, max: 3 });
db.on('error', () => {}); // idle connections dropped by the Postgres restart
const processes: ServerProcess[] = [];
const agentIds: string[] = [];
const agents: ChildProcess[] = [];
const rows: Row[] = [];
let exitCode = 1;

// The webhook receiver: answers 200 (recording what it got), hangs, or answers 500.
let receiverMode: 'ok' | 'hang' | 'fail' = 'ok';
const secret = newWebhookSecret();
const receivedOk = new Map<string, number>(); // webhook-id -> 200 answers given
let unsigned = 0;
const hung: ServerResponse[] = [];
const hooks = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (receiverMode === 'hang') return void hung.push(res);
    if (receiverMode === 'fail') return void res.writeHead(500, { 'retry-after': '1' }).end('down');
    const body = Buffer.concat(chunks).toString('utf8');
    if (!isSignedWebhook(req.headers, body, secret)) unsigned += 1;
    const id = String(req.headers['webhook-id']);
    receivedOk.set(id, (receivedOk.get(id) ?? 0) + 1);
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
const hooksUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`;

try {
  const client = await db.connect();
  await migrate(client, await loadMigrations());
  client.release();
  const world = await seed(db, 120);
  const box = new SecretBox(Buffer.from(world.secretKey, 'base64'));
  const channel = await createChannel(
    { secrets: box, outboundAllow: [cidr('127.0.0.1/32')] },
    (fn) =>
      withWorkspace(
        db,
        world.workspaceId,
        { actor: { type: 'system', id: 'faults' }, requestId: undefined },
        fn,
      ),
    { name: 'faults', type: 'webhook', config: { url: hooksUrl, secret }, eventTypes: ['alert.opened'] },
  );
  say(
    `private Postgres ${postgres.url}, Redis ${redis.url} (appendonly ${volatile ? 'no' : 'yes'}), webhook ${hooksUrl}`,
  );

  const port = await freePort();
  const baseEnv = {
    DATABASE_URL: postgres.url,
    VIGILO_HOME: home,
    VIGILO_LOCAL_AGENT: 'false',
    VIGILO_LOG_LEVEL: 'warn',
    VIGILO_SECRET_KEY: world.secretKey,
    VIGILO_OUTBOUND_ALLOW: '127.0.0.1/32',
  };
  const scaledEnv = {
    ...baseEnv,
    REDIS_URL: redis.url,
    VIGILO_REDIS_PREFIX: PREFIX,
    // Small, so the stream-full fault reaches it in seconds at this load.
    VIGILO_INGEST_MAX_BACKLOG: '40',
    ...(volatile ? { VIGILO_INGEST_ALLOW_VOLATILE_REDIS: 'true' } : {}),
  };
  const receiver = serverProcess({
    name: 'receiver',
    root: ROOT,
    env: { ...scaledEnv, VIGILO_ROLES: 'api,ingest' },
    port,
    logFile: path.join(TMP, 'faults-receiver.log'),
  });
  const worker = serverProcess({
    name: 'worker',
    root: ROOT,
    // The restarted worker takes over the killed one's entries after 5 s instead of the default 30.
    env: { ...scaledEnv, VIGILO_ROLES: 'worker', VIGILO_INGEST_CLAIM_IDLE_MS: '5000' },
    port: await freePort(),
    logFile: path.join(TMP, 'faults-worker.log'),
  });
  const single = serverProcess({
    name: 'single',
    root: ROOT,
    env: { ...baseEnv, VIGILO_ROLES: 'api,ingest,worker' },
    port,
    logFile: path.join(TMP, 'faults-single.log'),
  });
  processes.push(receiver, worker, single);
  await Promise.all([receiver.start(), worker.start()]);
  say('scaled mode up (receiver, worker)');

  const load = startLoad({
    url: `http://127.0.0.1:${port}`,
    token: world.token,
    hosts: world.hosts,
    flippers: 3,
    flipEveryMs: 4000,
    pushers: 3,
    batchSize: 10,
    everyMs: 200,
  });

  const lostOf = async (ids: string[]) =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM unnest($1::uuid[]) AS a(id)
         WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.id = a.id)`,
        [ids],
      )
    ).rows[0]!.n;
  /** Every alert.opened event of the workspace delivered to the receiver (a 200 under its id). */
  const webhooksPending = async () => {
    const { rows: ds } = await db.query<{ id: string }>(
      `SELECT d.id FROM events e LEFT JOIN deliveries d ON d.event_seq = e.seq AND d.channel_id = $2
       WHERE e.workspace_id = $1 AND e.type = 'alert.opened'`,
      [world.workspaceId, channel.id],
    );
    return ds.filter((d) => d.id === null || !receivedOk.has(d.id)).length;
  };

  /** The alert and event invariants, over the whole run so far. */
  const invariants = async () => {
    // No alert open twice at once for a rule and host, none announced twice.
    const alertsDuplicated = (
      await db.query<{ n: number }>(
        `SELECT (
           (SELECT count(*) FROM alerts a JOIN alerts b ON a.rule_id = b.rule_id AND a.host_id = b.host_id AND a.id < b.id
              AND a.opened_at < coalesce(b.resolved_at, 'infinity') AND b.opened_at < coalesce(a.resolved_at, 'infinity'))
           + (SELECT count(*) - count(DISTINCT payload ->> 'alertId') FROM events WHERE type = 'alert.opened')
         )::int AS n`,
      )
    ).rows[0]!.n;
    // No gap in event sequence numbers; every alert opened and resolved has its event.
    const eventsLost = (
      await db.query<{ n: number }>(
        `SELECT (
           (SELECT coalesce(max(seq), 0) - count(*) FROM events WHERE workspace_id = $1)
           + (SELECT count(*) FROM alerts a WHERE NOT EXISTS
                (SELECT 1 FROM events e WHERE e.type = 'alert.opened' AND e.payload ->> 'alertId' = a.id::text))
           + (SELECT count(*) FROM alerts a WHERE a.state = 'resolved' AND NOT EXISTS
                (SELECT 1 FROM events e WHERE e.type = 'alert.resolved' AND e.payload ->> 'alertId' = a.id::text))
         )::int AS n`,
        [world.workspaceId],
      )
    ).rows[0]!.n;
    return { alertsDuplicated, eventsLost };
  };

  /**
   * One fault: a few seconds of load, the fault, then waiting (bounded) until pushes are
   * acknowledged again, everything acknowledged so far is stored and every webhook arrived.
   */
  const fault = async (
    name: string,
    inject: () => Promise<(() => Promise<void>) | void> | (() => Promise<void>),
    /** Acknowledged ids of the fault's own beyond the load's (the spooling agent's). */
    own: () => Promise<string[]> = () => Promise.resolve([]),
  ) => {
    await sleep(2000);
    const from = load.acked.length;
    const refusedBefore = load.counts.backpressure + load.counts.failed;
    const start = Date.now();
    say(`${name}: injecting`);
    const undo = await inject();
    const injected = Date.now();
    if (undo) await undo();
    // Recovery counts from the fault's end: the process restarted, the receiver answering again.
    const ended = Date.now();
    // What the fault's own agent had promised by then (it keeps spooling new scans meanwhile).
    const ownIds = await own();
    let recovery: number | null = null;
    for (let poll = 1; ; poll++) {
      const upTo = load.acked.length;
      const waiting = {
        ack: load.lastAckAt() <= ended,
        database: !(await db.query('SELECT 1').then(
          () => true,
          () => false,
        )),
        stored: (await lostOf([...load.acked.slice(from, upTo), ...ownIds]).catch(() => 1)) > 0,
        webhooks: (await webhooksPending().catch(() => 1)) > 0,
      };
      if (!Object.values(waiting).some(Boolean)) {
        recovery = (Date.now() - ended) / 1000;
        break;
      }
      if (poll % 40 === 0) {
        const on = Object.entries(waiting).flatMap(([k, v]) => (v ? [k] : []));
        say(`${name}: still waiting for ${on.join(', ')}`);
      }
      if (Date.now() - ended > RECOVERY_LIMIT_MS) break;
      await sleep(250);
    }
    await sleep(1000);
    const ids = [...load.acked.slice(from), ...(await own())];
    const secs = (Date.now() - start) / 1000;
    rows.push({
      fault: name,
      load_per_s: Math.round(ids.length / secs),
      refused: load.counts.backpressure + load.counts.failed - refusedBefore,
      acknowledged: ids.length,
      stored: 0, // counted at the end, after the last drain
      lost: 0,
      duplicates: 0,
      fault_s: Math.round((ended - injected) / 100) / 10,
      recovery_s: recovery === null ? null : Math.round(recovery * 10) / 10,
    });
    const after = await invariants();
    say(
      `${name}: ${recovery === null ? 'NOT recovered' : `recovered in ${recovery.toFixed(1)} s`}; ` +
        `alerts duplicated ${after.alertsDuplicated}, events lost ${after.eventsLost}`,
    );
    const to = load.acked.length;
    return async () => [...load.acked.slice(from, to), ...(await own())];
  };
  const windows: Array<() => Promise<string[]>> = [];

  // 1. A worker dies with batches claimed: a new worker (a supervisor's restart) takes them over.
  windows.push(
    await fault('kill -9 worker mid-batch (scaled)', async () => {
      // Mid-batch: the kill lands while the worker holds entries it read and has not acknowledged.
      const r = new Redis(redis.url);
      const pending = async () => ((await r.xpending(names.stream, names.group)) as [number])[0];
      for (let i = 0; i < 2000 && (await pending()) === 0; i++) await sleep(2);
      await worker.kill();
      say(`worker killed holding ${await pending()} unacknowledged stream entries`);
      r.disconnect();
      return () => worker.start();
    }),
  );
  // 2. The webhook receiver hangs (deliveries time out), then answers 500, then recovers.
  windows.push(
    await fault('webhook receiver hangs, 500s, recovers', () => {
      receiverMode = 'hang';
      return async () => {
        await sleep(12_000);
        receiverMode = 'fail';
        for (const res of hung.splice(0)) res.destroy();
        await sleep(4000);
        receiverMode = 'ok';
      };
    }),
  );
  // 3. Redis crashes (kill -9) and comes back: the append-only file keeps what was acknowledged.
  windows.push(
    await fault('kill -9 Redis holding a backlog, restart (scaled)', async () => {
      // The worker paused first, so acknowledged batches wait in the stream when Redis dies.
      worker.signal('SIGSTOP');
      await sleep(1000);
      await redis.kill();
      return async () => {
        await sleep(2000);
        await redis.start();
        worker.signal('SIGCONT');
      };
    }),
  );
  // 4. The stream fills past its limit: the worker stalls, the receiver answers 503, nothing drops.
  windows.push(
    await fault('stream full: worker stalled (scaled)', () => {
      worker.signal('SIGSTOP');
      return async () => {
        const before = load.counts.backpressure;
        for (let i = 0; i < 60 && load.counts.backpressure === before; i++) await sleep(250);
        await sleep(3000);
        worker.signal('SIGCONT');
      };
    }),
  );

  // Single-machine mode on the same port: the agents keep pushing while it changes over.
  await Promise.all([receiver.stop(), worker.stop()]);
  await single.start();
  say('single-machine mode up');
  // 5. The single server dies mid-batch and is restarted: batches pushed again are stored once.
  windows.push(
    await fault('kill -9 single server mid-batch', async () => {
      await sleep(137);
      await single.kill();
      return () => single.start();
    }),
  );
  // 6. Postgres restarts (immediate shutdown: crash recovery on start).
  windows.push(
    await fault('restart Postgres (single)', async () => {
      await postgres.crash();
      return async () => {
        await sleep(2000);
        await postgres.start();
      };
    }),
  );

  // 7. The agent is killed -9 while it writes its spool, and restarted: the spool replays what it
  // had promised (fsynced) and the server stores each snapshot once.
  const hostsFile = path.join(home, 'hosts.json');
  const spooledFile = path.join(home, 'spooled.txt');
  await writeFile(hostsFile, JSON.stringify(world.hosts.slice(3)));
  await writeFile(spooledFile, '');
  let agent: ChildProcess | undefined;
  const startAgent = () => {
    agent = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests/faults/spool-agent.ts')], {
      env: {
        ...process.env,
        FAULTS_URL: `http://127.0.0.1:${port}`,
        FAULTS_TOKEN: world.token,
        FAULTS_SPOOL_DIR: path.join(home, 'spool'),
        FAULTS_HOSTS_FILE: hostsFile,
        FAULTS_SPOOLED_FILE: spooledFile,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    agents.push(agent);
  };
  const agentExit = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const running = agent;
      if (!running || running.exitCode !== null || running.signalCode !== null) return resolve();
      const timer = setTimeout(() => running.kill('SIGKILL'), 30_000);
      running.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      running.kill(signal);
    });
  // Ids whose spool append resolved (a torn last line of the list itself is not one).
  const spooled = async () =>
    (await readFile(spooledFile, 'utf8')).split('\n').filter((l) => /^[0-9a-f-]{36}$/.test(l));
  startAgent();
  await sleep(3000);
  windows.push(
    await fault(
      'kill -9 agent mid-spool-write, restart',
      async () => {
        // The server paused first, so the spool holds scans not yet pushed (and a push in flight,
        // which the server reads when it resumes) when the agent dies: the restart replays them.
        single.signal('SIGSTOP');
        await sleep(1500);
        await agentExit('SIGKILL');
        return async () => {
          await sleep(500);
          startAgent();
          single.signal('SIGCONT');
        };
      },
      spooled,
    ),
  );
  await agentExit('SIGTERM');
  agentIds.push(...(await spooled()));

  await load.stop();
  // Drain: what was acknowledged last is stored within moments (single mode writes directly).
  const everything = [...load.acked, ...agentIds];
  for (let i = 0; i < 40 && (await lostOf(everything)) > 0; i++) await sleep(250);

  for (const [i, w] of windows.entries()) {
    const ids = await w();
    const { rows: r } = await db.query<{ stored: number; dup: number }>(
      `SELECT count(DISTINCT id)::int AS stored, (count(*) - count(DISTINCT id))::int AS dup
       FROM snapshots WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    rows[i]!.acknowledged = ids.length;
    rows[i]!.stored = r[0]!.stored;
    rows[i]!.lost = ids.length - r[0]!.stored;
    rows[i]!.duplicates = r[0]!.dup;
  }
  const allDup = (
    await db.query<{ n: number }>('SELECT (count(*) - count(DISTINCT id))::int AS n FROM snapshots')
  ).rows[0]!.n;
  const ackedUnique = new Set(everything);
  const { alertsDuplicated, eventsLost } = await invariants();
  const opened = (
    await db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE type = 'alert.opened'")
  ).rows[0]!.n;
  const webhooksMissing = await webhooksPending();
  const redeliveries = [...receivedOk.values()].reduce((n, c) => n + c - 1, 0);

  const header = [
    'fault',
    'load (acked/s)',
    'refused pushes',
    'acknowledged',
    'stored',
    'lost',
    'duplicates',
    'fault lasted s',
    'recovery s',
  ];
  const table = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.load_per_s} | ${r.refused} | ${r.acknowledged} | ${r.stored} | ${r.lost} | ${r.duplicates} | ${r.fault_s} | ${r.recovery_s ?? 'no recovery'} |`,
    ),
  ];
  const totals = {
    faults: rows.length,
    acknowledged: ackedUnique.size,
    stored: 0,
    // Acknowledged between the faults' windows too: every id of the run.
    lost: await lostOf(everything),
    duplicates: allDup,
    alerts_duplicated: alertsDuplicated,
    events_lost: eventsLost,
    alerts_opened: opened,
    webhooks_missing: webhooksMissing,
    webhook_redeliveries: redeliveries,
    webhooks_unsigned: unsigned,
    backpressure_503: load.counts.backpressure,
    max_recovery_s: Math.max(...rows.map((r) => r.recovery_s ?? Infinity)),
    seconds: Math.round((Date.now() - began) / 100) / 10,
  };
  totals.stored = totals.acknowledged - totals.lost;
  const failed =
    totals.lost > 0 ||
    totals.duplicates > 0 ||
    totals.alerts_duplicated > 0 ||
    totals.events_lost > 0 ||
    totals.webhooks_missing > 0 ||
    totals.webhooks_unsigned > 0 ||
    rows.some((r) => r.recovery_s === null);
  process.stdout.write(`${table.join('\n')}\n`);
  process.stdout.write(`fault suite took ${totals.seconds} s: ${failed ? 'FAILED' : 'passed'}\n`);
  process.stdout.write(
    `${JSON.stringify({ ...totals, max_recovery_s: Number.isFinite(totals.max_recovery_s) ? totals.max_recovery_s : null })}\n`,
  );
  exitCode = failed ? 1 : 0;
} catch (err) {
  say(`suite error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill('SIGKILL');
  for (const p of processes) {
    p.signal('SIGCONT');
    await p.stop().catch(() => {});
  }
  hooks.closeAllConnections();
  hooks.close();
  await db.end().catch(() => {});
  await redis.stop();
  await postgres.stop();
  await rm(home, { recursive: true, force: true });
}
process.exit(exitCode);
