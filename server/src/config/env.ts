import path from 'node:path';
import { z } from 'zod';
import { VigiloError } from '../errors.ts';
import { DEFAULT_DELIVERY_LEASE_MS, MIN_DELIVERY_LEASE_MS } from '../events/delivery-timing.ts';
import { type IdentityConfig, identityEnvSchema, resolveIdentityConfig } from '../identity/config.ts';
import { PRIVATE_BLOCKS } from '../integrations/outbound/address-class.ts';
import type { Cidr } from '../integrations/outbound/ip.ts';
import { parseAllowList } from '../integrations/outbound/policy.ts';

/**
 * Every environment variable the server reads, validated once at start. The README's
 * configuration table is the user-facing copy of this schema: keep them in step.
 */
const port = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number between 1 and 65535`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, `${name} must be a whole number between 1 and 65535`);

const positiveInt = (name: string, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number between 1 and ${max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `${name} must be a whole number between 1 and ${max}`);

const millis = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number of milliseconds between ${min} and ${max}`)
    .transform(Number)
    .refine(
      (n) => n >= min && n <= max,
      `${name} must be a whole number of milliseconds between ${min} and ${max}`,
    );

/**
 * The shortest claim timeout: a worker reads up to 40 entries a pass and writes them one group of
 * up to 2,000 snapshots at a time (~0.4 s each, BENCHMARKS.md), so the last entry of a busy pass
 * stays pending for a few seconds while its worker is alive and well. Shorter, and live workers'
 * entries would be taken over and written twice (stored once, but the work doubled under load).
 */
export const MIN_INGEST_CLAIM_IDLE_MS = 5_000;

const postgresUrl = (name: string) =>
  z
    .string()
    .refine(
      (s) => /^postgres(ql)?:\/\//.test(s) && URL.canParse(s),
      `${name} must be a postgres:// or postgresql:// URL`,
    );

const redisUrl = (name: string) =>
  z
    .string()
    .refine((s) => /^rediss?:\/\//.test(s) && URL.canParse(s), `${name} must be a redis:// or rediss:// URL`);

const envSchema = identityEnvSchema.extend({
  VIGILO_HOME: z.string().min(1, 'VIGILO_HOME must be a folder path').default('.vigilo'),
  VIGILO_HOST: z
    .string()
    .refine((s) => /^[A-Za-z0-9.:\-[\]]+$/.test(s), 'VIGILO_HOST must be a host name or IP address')
    .default('127.0.0.1'),
  VIGILO_PORT: port('VIGILO_PORT').default(7300),
  VIGILO_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'VIGILO_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  VIGILO_DB_POOL_SIZE: positiveInt('VIGILO_DB_POOL_SIZE', 500).default(10),
  VIGILO_SECRET_KEY: z.string().optional(),
  VIGILO_ROLES: z
    .string()
    .refine(
      (s) => s.split(',').every((r) => SERVER_ROLES.includes(r.trim() as ServerRole)),
      `VIGILO_ROLES must be a comma-separated list of ${['api', 'ingest', 'worker', 'scheduler'].join(', ')}`,
    )
    .default('api,ingest,worker,scheduler'),
  VIGILO_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'VIGILO_REDIS_PREFIX must be 1–64 letters, digits, : _ or -')
    .default('vigilo:'),
  VIGILO_INGEST_MAX_BACKLOG: positiveInt('VIGILO_INGEST_MAX_BACKLOG', 10_000_000).default(20_000),
  VIGILO_INGEST_WORKERS: positiveInt('VIGILO_INGEST_WORKERS', 32).default(2),
  VIGILO_INGEST_MAX_BACKLOG_MB: positiveInt('VIGILO_INGEST_MAX_BACKLOG_MB', 1_000_000).default(512),
  VIGILO_INGEST_MAX_ATTEMPTS: positiveInt('VIGILO_INGEST_MAX_ATTEMPTS', 100).default(5),
  VIGILO_INGEST_CLAIM_IDLE_MS: millis(
    'VIGILO_INGEST_CLAIM_IDLE_MS',
    MIN_INGEST_CLAIM_IDLE_MS,
    3_600_000,
  ).default(30_000),
  VIGILO_DELIVERY_LEASE_MS: millis('VIGILO_DELIVERY_LEASE_MS', MIN_DELIVERY_LEASE_MS, 3_600_000).default(
    DEFAULT_DELIVERY_LEASE_MS,
  ),
  VIGILO_INGEST_ALLOW_VOLATILE_REDIS: z
    .enum(['true', 'false'], { error: 'VIGILO_INGEST_ALLOW_VOLATILE_REDIS must be true or false' })
    .default('false'),
  VIGILO_AGENT_CACHE_MS: z
    .string()
    .regex(/^\d+$/, 'VIGILO_AGENT_CACHE_MS must be a whole number of milliseconds between 0 and 60000')
    .transform(Number)
    .refine(
      (n) => n <= 60_000,
      'VIGILO_AGENT_CACHE_MS must be a whole number of milliseconds between 0 and 60000',
    )
    .default(5000),
  VIGILO_LOCAL_AGENT: z
    .enum(['true', 'false'], { error: 'VIGILO_LOCAL_AGENT must be true or false' })
    .optional(),
  VIGILO_SNAPSHOT_RETENTION_DAYS: positiveInt('VIGILO_SNAPSHOT_RETENTION_DAYS', 3650).default(400),
  VIGILO_OUTBOUND_ALLOW: z
    .string()
    .transform((s, ctx) => {
      const parsed = parseAllowList(s);
      if (parsed.ok) return parsed.allow;
      ctx.addIssue({
        code: 'custom',
        message: `VIGILO_OUTBOUND_ALLOW must be none or comma-separated CIDR blocks such as 10.0.0.0/8,fd00::/8; not a CIDR block: ${parsed.bad.join(', ')}`,
      });
      return z.NEVER;
    })
    .optional(),
  DATABASE_URL: postgresUrl('DATABASE_URL').optional(),
  VIGILO_APP_DATABASE_URL: postgresUrl('VIGILO_APP_DATABASE_URL').optional(),
  REDIS_URL: redisUrl('REDIS_URL').optional(),
});

/** What a server process does; scaled deployments give each process some of them. */
export const SERVER_ROLES = ['api', 'ingest', 'worker', 'scheduler'] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

export type Config = {
  /** Absolute path of the data folder (embedded Postgres, generated keys, state). */
  home: string;
  host: string;
  port: number;
  logLevel: z.infer<typeof envSchema>['VIGILO_LOG_LEVEL'];
  dbPoolSize: number;
  /** External database; when absent `vigilo up` runs the embedded Postgres. */
  databaseUrl: string | undefined;
  /** The request pool's login (a role RLS binds); unset: vigilo_app with a derived password. */
  appDatabaseUrl: string | undefined;
  /** Scaled mode: Redis for the ingest stream, event fan-out and locks. */
  redisUrl: string | undefined;
  /** Who issues access tokens: the built-in provider, or an external IdP. */
  identity: IdentityConfig;
  /** Base64 of 32 bytes; when unset, single-machine mode keeps a generated key in the data folder. */
  secretKey: string | undefined;
  /** Snapshots older than this are deleted (whole months by dropping their partition). */
  snapshotRetentionDays: number;
  roles: ReadonlySet<ServerRole>;
  /** Run an agent next to the server (default: in single-machine mode, i.e. without DATABASE_URL). */
  localAgent: boolean;
  /** Scaled mode: stream entries above which the receiver answers 503 (backpressure). */
  ingestMaxBacklog: number;
  /** Scaled mode: stream consumers per worker process. */
  ingestWorkers: number;
  /** Scaled mode: bytes queued in the stream above which the receiver answers 503. */
  ingestMaxBacklogBytes: number;
  /** Scaled mode: failed attempts after which a batch becomes a dead letter. */
  ingestMaxAttempts: number;
  /** Scaled mode: how long a stream entry stays pending before another worker takes it over. */
  ingestClaimIdleMs: number;
  /** How long a delivery being attempted is leased: a dead worker's delivery is retried after it. */
  deliveryLeaseMs: number;
  /** Scaled mode: acknowledge batches into a Redis without AOF (warned, never the default). */
  ingestAllowVolatileRedis: boolean;
  /** How long a receiver remembers an agent's credential and hosts (0: not at all). */
  agentCacheMs: number;
  /** Prefix of every Redis key and channel, so deployments can share a Redis. */
  redisPrefix: string;
  /**
   * Blocks channel deliveries may reach although private (`VIGILO_OUTBOUND_ALLOW`); see
   * integrations/outbound/policy.ts for what no entry can open.
   */
  outboundAllow: readonly Cidr[];
};

/**
 * Reads and validates the environment. Empty strings count as unset, as shells make it easy to
 * export `VAR=` by accident. Throws a CONFIG_INVALID VigiloError naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const got = present[name];
      return `${issue.message} (got ${JSON.stringify(got)})`;
    });
    throw new VigiloError('CONFIG_INVALID', `Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    home: path.resolve(cwd, e.VIGILO_HOME),
    host: e.VIGILO_HOST,
    port: e.VIGILO_PORT,
    logLevel: e.VIGILO_LOG_LEVEL,
    dbPoolSize: e.VIGILO_DB_POOL_SIZE,
    databaseUrl: e.DATABASE_URL,
    appDatabaseUrl: e.VIGILO_APP_DATABASE_URL,
    redisUrl: e.REDIS_URL,
    identity: resolveIdentityConfig(e, { host: e.VIGILO_HOST, port: e.VIGILO_PORT }),
    secretKey: e.VIGILO_SECRET_KEY,
    snapshotRetentionDays: e.VIGILO_SNAPSHOT_RETENTION_DAYS,
    localAgent: e.VIGILO_LOCAL_AGENT ? e.VIGILO_LOCAL_AGENT === 'true' : e.DATABASE_URL === undefined,
    roles: new Set(e.VIGILO_ROLES.split(',').map((r) => r.trim() as ServerRole)),
    ingestMaxBacklog: e.VIGILO_INGEST_MAX_BACKLOG,
    ingestWorkers: e.VIGILO_INGEST_WORKERS,
    ingestMaxBacklogBytes: e.VIGILO_INGEST_MAX_BACKLOG_MB * 1024 * 1024,
    ingestMaxAttempts: e.VIGILO_INGEST_MAX_ATTEMPTS,
    ingestClaimIdleMs: e.VIGILO_INGEST_CLAIM_IDLE_MS,
    deliveryLeaseMs: e.VIGILO_DELIVERY_LEASE_MS,
    ingestAllowVolatileRedis: e.VIGILO_INGEST_ALLOW_VOLATILE_REDIS === 'true',
    agentCacheMs: e.VIGILO_AGENT_CACHE_MS,
    redisPrefix: e.VIGILO_REDIS_PREFIX,
    // Single-machine mode (no DATABASE_URL) allows private ranges unless told otherwise: the
    // server then runs on one person's machine, the admins are that machine's users, and the
    // chat server or SMTP relay it should notify usually sits on their private network. A
    // shared, scaled deployment allows none until its operator lists them. Loopback, link-local
    // and metadata addresses stay refused in both.
    outboundAllow: e.VIGILO_OUTBOUND_ALLOW ?? (e.DATABASE_URL === undefined ? PRIVATE_BLOCKS : []),
  };
}
