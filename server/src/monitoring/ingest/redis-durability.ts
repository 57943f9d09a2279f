import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * "Acknowledged means durable" (DESIGN.md §8) for the scaled receiver: a batch answered 200 is
 * only in Redis until a worker commits it, so Redis must keep it across a restart.
 *
 * What a Redis setup gives, judged from its own settings:
 * - `durable`: append-only file on and each write fsynced before Redis answers
 *   (`appendfsync always`), or on Redis 7.2+ the receiver waits for the fsync with WAITAOF;
 * - `restart-safe`: AOF on with `appendfsync everysec` (or `no`) on a Redis without WAITAOF:
 *   survives a Redis restart or crash, but an operating-system crash or power loss can take the
 *   last second of acknowledged batches. Accepted, with a warning at start;
 * - `volatile`: no AOF (RDB snapshots alone lose minutes): acknowledgements are refused (503,
 *   the agent keeps the batch) unless the operator allows it (`VIGILO_INGEST_ALLOW_VOLATILE_REDIS`).
 */
export type DurabilityLevel = 'durable' | 'restart-safe' | 'volatile';

export type RedisPersistence = {
  version: string;
  appendonly: boolean;
  /** `unknown` where CONFIG is disabled (managed Redis): AOF is then read from INFO. */
  appendfsync: 'always' | 'everysec' | 'no' | 'unknown';
};

export type Durability = {
  level: DurabilityLevel;
  /** Wait for the AOF fsync (WAITAOF 1 0) before acknowledging. */
  waitAof: boolean;
  why: string;
};

/** Whether a Redis version string is at least major.minor. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [maj = 0, min = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return maj > major || (maj === major && min >= minor);
}

/** Judges a Redis' persistence settings (pure: the tests feed it settings). */
export function judgeDurability(p: RedisPersistence): Durability {
  if (!p.appendonly)
    return {
      level: 'volatile',
      waitAof: false,
      why: `Redis ${p.version} has no append-only file (appendonly no): a restart loses acknowledged batches`,
    };
  if (p.appendfsync === 'always')
    return {
      level: 'durable',
      waitAof: false,
      why: `Redis ${p.version}: appendonly yes, appendfsync always`,
    };
  if (versionAtLeast(p.version, 7, 2))
    return {
      level: 'durable',
      waitAof: true,
      why: `Redis ${p.version}: appendonly yes, appendfsync ${p.appendfsync}; each acknowledgement waits for the fsync (WAITAOF)`,
    };
  return {
    level: 'restart-safe',
    waitAof: false,
    why:
      `Redis ${p.version}: appendonly yes, appendfsync ${p.appendfsync}, no WAITAOF before 7.2: a Redis restart loses ` +
      'nothing, but a machine crash can lose the last second of acknowledged batches (set appendfsync always)',
  };
}

const infoField = (info: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

/** Reads a Redis' version and persistence settings (CONFIG GET, or INFO where CONFIG is off). */
export async function readPersistence(redis: Redis): Promise<RedisPersistence> {
  const server = await redis.info('server');
  const version = infoField(server, 'redis_version') ?? '0.0.0';
  try {
    const aof = await redis.config('GET', 'appendonly');
    const fsync = await redis.config('GET', 'appendfsync');
    const mode = fsync[1];
    return {
      version,
      appendonly: aof[1] === 'yes',
      appendfsync: mode === 'always' || mode === 'everysec' || mode === 'no' ? mode : 'unknown',
    };
  } catch {
    const persistence = await redis.info('persistence');
    return { version, appendonly: infoField(persistence, 'aof_enabled') === '1', appendfsync: 'unknown' };
  }
}

export type DurabilityGate = {
  /** The last judgement; undefined until Redis has answered once. */
  current(): Durability | undefined;
  /** Whether batches may be acknowledged now. */
  accepting(): boolean;
  /** Reads the settings again (also done every `intervalMs`). */
  refresh(): Promise<void>;
  stop(): void;
};

/**
 * Checks Redis' persistence at start and every `intervalMs` (settings can change under a running
 * server: CONFIG SET, a restart with another config), logging each change of judgement once: an
 * error while refusing, a warning while acknowledging into a Redis that can lose them.
 */
export function createDurabilityGate(
  redis: Redis,
  opts: { allowVolatile: boolean; log: Logger; intervalMs?: number; onChange?: (d: Durability) => void },
): DurabilityGate {
  let judged: Durability | undefined;
  const refresh = async () => {
    let next: Durability;
    try {
      next = judgeDurability(await readPersistence(redis));
    } catch (err) {
      // Unreachable Redis: the sink answers backpressure on its own; keep the last judgement.
      opts.log.debug({ err: (err as Error).message }, 'could not read Redis persistence settings');
      return;
    }
    if (judged?.level !== next.level || judged.waitAof !== next.waitAof) {
      if (next.level === 'volatile' && !opts.allowVolatile)
        opts.log.error(
          `${next.why}. REFUSING to acknowledge agent batches (agents get 503 and keep them) until Redis ` +
            'runs with appendonly yes (see the README, scaled mode), or VIGILO_INGEST_ALLOW_VOLATILE_REDIS=true accepts the risk.',
        );
      else if (next.level === 'volatile')
        opts.log.warn(
          `${next.why}. ACKNOWLEDGING ANYWAY (VIGILO_INGEST_ALLOW_VOLATILE_REDIS=true): batches acknowledged but not yet stored are lost if Redis restarts.`,
        );
      else if (next.level === 'restart-safe') opts.log.warn(next.why);
      else opts.log.info(next.why);
      opts.onChange?.(next);
    }
    judged = next;
  };
  const timer = setInterval(() => void refresh(), opts.intervalMs ?? 30_000);
  timer.unref();
  return {
    current: () => judged,
    accepting: () => judged !== undefined && (judged.level !== 'volatile' || opts.allowVolatile),
    refresh,
    stop: () => clearInterval(timer),
  };
}
