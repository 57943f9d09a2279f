import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.ts';
import { VigiloError } from '../src/errors.ts';
import { PRIVATE_BLOCKS } from '../src/integrations/outbound/address-class.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toEqual({
      home: path.resolve('/srv/app', '.vigilo'),
      host: '127.0.0.1',
      port: 7300,
      logLevel: 'info',
      dbPoolSize: 10,
      databaseUrl: undefined,
      redisUrl: undefined,
      secretKey: undefined,
      snapshotRetentionDays: 400,
      roles: new Set(['api', 'ingest', 'worker', 'scheduler']),
      localAgent: true,
      ingestMaxBacklog: 20_000,
      ingestWorkers: 2,
      ingestMaxBacklogBytes: 512 * 1024 * 1024,
      ingestMaxAttempts: 5,
      ingestClaimIdleMs: 30_000,
      deliveryLeaseMs: 60_000,
      ingestAllowVolatileRedis: false,
      agentCacheMs: 5000,
      redisPrefix: 'vigilo:',
      outboundAllow: PRIVATE_BLOCKS,
      identity: {
        publicUrl: 'http://127.0.0.1:7300',
        builtInProvider: true,
        issuer: 'http://127.0.0.1:7300/oidc',
        audience: 'vigilo-api',
        jwksUri: undefined,
        algorithms: undefined,
        trustProxy: false,
      },
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ VIGILO_PORT: '', DATABASE_URL: '' }, '/').port).toBe(7300);
  });

  it.each([
    ['VIGILO_PORT', 'abc', /VIGILO_PORT must be a whole number between 1 and 65535 \(got "abc"\)/],
    ['VIGILO_PORT', '70000', /VIGILO_PORT must be a whole number between 1 and 65535/],
    ['VIGILO_PORT', '0', /VIGILO_PORT/],
    ['VIGILO_LOG_LEVEL', 'loud', /VIGILO_LOG_LEVEL must be one of/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    ['VIGILO_DB_POOL_SIZE', '-3', /VIGILO_DB_POOL_SIZE must be a whole number/],
    ['VIGILO_INGEST_WORKERS', '0', /VIGILO_INGEST_WORKERS must be a whole number/],
    ['VIGILO_INGEST_WORKERS', '99', /VIGILO_INGEST_WORKERS must be a whole number/],
    [
      'VIGILO_INGEST_CLAIM_IDLE_MS',
      '4999',
      /VIGILO_INGEST_CLAIM_IDLE_MS must be a whole number of milliseconds between 5000 and 3600000 \(got "4999"\)/,
    ],
    [
      'VIGILO_INGEST_CLAIM_IDLE_MS',
      '5s',
      /VIGILO_INGEST_CLAIM_IDLE_MS must be a whole number of milliseconds/,
    ],
    ['VIGILO_INGEST_CLAIM_IDLE_MS', '3600001', /VIGILO_INGEST_CLAIM_IDLE_MS must be a whole number/],
    [
      'VIGILO_DELIVERY_LEASE_MS',
      '19999',
      /VIGILO_DELIVERY_LEASE_MS must be a whole number of milliseconds between 20000 and 3600000 \(got "19999"\)/,
    ],
    ['VIGILO_DELIVERY_LEASE_MS', '-1', /VIGILO_DELIVERY_LEASE_MS must be a whole number of milliseconds/],
  ])('rejects %s=%s naming the variable and the expected form', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value }, '/');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(VigiloError);
    expect((error as VigiloError).code).toBe('CONFIG_INVALID');
    expect((error as VigiloError).message).toMatch(message);
  });

  it('takes the ingest claim timeout and the delivery lease from the environment, minimum included', () => {
    const config = loadConfig(
      { VIGILO_INGEST_CLAIM_IDLE_MS: '5000', VIGILO_DELIVERY_LEASE_MS: '20000' },
      '/',
    );
    expect([config.ingestClaimIdleMs, config.deliveryLeaseMs]).toEqual([5000, 20_000]);
  });

  it('reports every invalid variable at once', () => {
    expect(() => loadConfig({ VIGILO_PORT: 'x', VIGILO_LOG_LEVEL: 'y' }, '/')).toThrow(
      /VIGILO_PORT[\s\S]*VIGILO_LOG_LEVEL/,
    );
  });
});
