import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '@vigilo/tests/support/env';
import { findFreePort } from '../../src/embedded/ports.ts';
import { identityEnvSchema, resolveIdentityConfig } from '../../src/identity/config.ts';
import { createIdentity } from '../../src/identity/identity.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMigratedDatabase } from '@vigilo/tests/support/database';

describe('identity configuration', () => {
  it('defaults to the built-in provider at <public URL>/oidc', () => {
    expect(resolveIdentityConfig({}, { host: '0.0.0.0', port: 7300 })).toEqual({
      publicUrl: 'http://127.0.0.1:7300',
      builtInProvider: true,
      issuer: 'http://127.0.0.1:7300/oidc',
      audience: 'vigilo-api',
      jwksUri: undefined,
      algorithms: undefined,
      trustProxy: false,
    });
    expect(
      resolveIdentityConfig({ VIGILO_PUBLIC_URL: 'https://vigilo.example/' }, { host: '::1', port: 1 })
        .issuer,
    ).toBe('https://vigilo.example/oidc');
  });

  it('uses an external issuer when configured, and turns the built-in provider off', () => {
    const env = identityEnvSchema.parse({
      VIGILO_OIDC_ISSUER: 'https://login.example.com/realms/acme',
      VIGILO_OIDC_AUDIENCE: 'account',
      VIGILO_OIDC_ALGORITHMS: 'RS256, PS256',
    });
    expect(resolveIdentityConfig(env, { host: '127.0.0.1', port: 7300 })).toMatchObject({
      builtInProvider: false,
      issuer: 'https://login.example.com/realms/acme',
      audience: 'account',
      algorithms: ['RS256', 'PS256'],
    });
  });

  it('names each invalid variable', () => {
    const result = identityEnvSchema.safeParse({
      VIGILO_OIDC_ISSUER: 'login.example.com',
      VIGILO_OIDC_ALGORITHMS: 'HS256',
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => i.message).join('\n');
    expect(messages).toMatch(/VIGILO_OIDC_ISSUER must be an http/);
    expect(messages).toMatch(/VIGILO_OIDC_ALGORITHMS must be a comma-separated list/);
  });
});

describe('createIdentity', () => {
  it('assembles provider, Redis throttle and verifier, and mounts into a Fastify server', async () => {
    const db = await createMigratedDatabase('identity_wiring');
    const home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-identity-'));
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    await redis.connect();
    const port = await findFreePort('127.0.0.1');
    const app = Fastify();
    try {
      const identity = await createIdentity({
        config: resolveIdentityConfig({}, { host: '127.0.0.1', port }),
        db: db.pool,
        log: createLogger('silent'),
        home,
        redis,
      });
      expect(identity.builtIn?.issuer).toBe(`http://127.0.0.1:${port}/oidc`);
      await identity.register(app);
      await app.listen({ host: '127.0.0.1', port });
      const disc = await fetch(`http://127.0.0.1:${port}/oidc/.well-known/openid-configuration`);
      expect(((await disc.json()) as { issuer: string }).issuer).toBe(identity.builtIn?.issuer);
      await expect(identity.verifier.verify('garbage')).rejects.toMatchObject({ code: 'TOKEN_MALFORMED' });
      expect(await identity.throttle.blocked({ ip: '127.0.0.1', email: 'x@example.test' })).toBeUndefined();
    } finally {
      await app.close();
      redis.disconnect();
      await db.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
