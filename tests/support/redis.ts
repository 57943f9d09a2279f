import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './env.ts';

export type TestRedis = {
  url: string;
  /** Every key a test writes starts with this, so files never see each other's keys. */
  prefix: string;
  client: Redis;
  cleanup(): Promise<void>;
};

/** A Redis connection for one test file, with a unique key prefix removed again on cleanup. */
export async function createTestRedis(label = 'test'): Promise<TestRedis> {
  const prefix = `vigilo:t:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await client.connect();
  return {
    url: TEST_REDIS_URL,
    prefix,
    client,
    cleanup: async () => {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      client.disconnect();
    },
  };
}

export type RedisServer = {
  url: string;
  port: number;
  /** Its data folder (the append-only file lives here). */
  dir: string;
  /** The running server's process id (for CPU accounting in benchmarks). */
  pid(): number | undefined;
  /** SIGKILL, as a crash: nothing is flushed on the way out. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (after kill). */
  start(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * A redis-server of the test's own on a free loopback port, for tests about persistence (the
 * shared test Redis runs without it): `appendonly` and `appendfsync` as given, data in a fresh
 * temporary folder removed by stop().
 */
export async function startRedisServer(opts: {
  appendonly: boolean;
  appendfsync?: 'always' | 'everysec' | 'no';
}): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vigilo-redis-'));
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  let child: ChildProcess | undefined;
  const up = () =>
    new Promise<boolean>((resolve) =>
      net
        .connect(port, '127.0.0.1')
        .once('connect', function (this: net.Socket) {
          this.end();
          resolve(true);
        })
        .once('error', () => resolve(false)),
    );
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        opts.appendonly ? 'yes' : 'no',
        '--appendfsync',
        opts.appendfsync ?? 'everysec',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await up()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise((r) => {
      running.once('exit', r);
      running.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid,
    kill,
    start,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
