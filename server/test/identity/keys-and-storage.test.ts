import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIdentityError } from '../../src/identity/errors.ts';
import { KEYS_FILE_NAME, loadOrCreateProviderKeys } from '../../src/identity/keys.ts';
import {
  createPostgresAdapterFactory,
  oidcStorageId,
  purgeExpiredOidcPayloads,
} from '../../src/identity/oidc-adapter.ts';
import { createMigratedDatabase } from '@vigilo/tests/support/database';

describe('provider keys file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigilo-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates RS256 and ES256 private keys once, mode 0600, and reuses them', async () => {
    const home = path.join(dir, 'a');
    const first = await loadOrCreateProviderKeys(home);
    expect(first.jwks.keys.map((k) => k.alg)).toEqual(['RS256', 'ES256']);
    for (const key of first.jwks.keys) expect(key.d).toBeTruthy();
    expect((await stat(path.join(home, KEYS_FILE_NAME))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateProviderKeys(home);
    expect(again).toEqual(first);
  });

  it('is race-safe: concurrent first starts all end up with the same keys', async () => {
    const home = path.join(dir, 'race');
    const results = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateProviderKeys(home)));
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it('refuses a file others can read, and a damaged file, without quoting its content', async () => {
    const home = path.join(dir, 'b');
    await loadOrCreateProviderKeys(home);
    const file = path.join(home, KEYS_FILE_NAME);
    await chmod(file, 0o644);
    const open = await loadOrCreateProviderKeys(home).catch((e: unknown) => e);
    expect(isIdentityError(open, 'KEYS_UNUSABLE')).toBe(true);
    expect((open as Error).message).toMatch(/chmod 600/);

    const secretish = (await readFile(file, 'utf8')).slice(0, 200);
    await writeFile(file, `${secretish}garbage`, { mode: 0o600 });
    await chmod(file, 0o600);
    const damaged = await loadOrCreateProviderKeys(home).catch((e: unknown) => e);
    expect(isIdentityError(damaged, 'KEYS_UNUSABLE')).toBe(true);
    expect((damaged as Error).message).toMatch(/not valid JSON/);
    expect((damaged as Error).message).not.toContain(secretish.slice(20, 60));
  });
});

describe('oidc-provider adapter on the real database', () => {
  let db: Awaited<ReturnType<typeof createMigratedDatabase>>;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createMigratedDatabase('oidc_adapter');
    pool = db.pool;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('stores, finds, updates and destroys per model', async () => {
    const adapters = createPostgresAdapterFactory(pool);
    const codes = adapters('AuthorizationCode');
    const sessions = adapters('Session');
    await codes.upsert('abc', { jti: 'abc', grantId: 'g1', n: 1 }, 60);
    await sessions.upsert('abc', { jti: 'abc', uid: 'u1' }, 60);
    expect(await codes.find('abc')).toEqual({ jti: 'abc', grantId: 'g1', n: 1 });
    await codes.upsert('abc', { jti: 'abc', grantId: 'g1', n: 2 }, 60);
    expect((await codes.find('abc'))?.n).toBe(2);
    // Found by uid, the id itself is unknown: jti stays its stored hash.
    expect(await sessions.findByUid('u1')).toEqual({ jti: oidcStorageId('abc'), uid: 'u1' });
    expect(await codes.findByUid('u1')).toBeUndefined();
    await sessions.destroy('abc');
    expect(await sessions.find('abc')).toBeUndefined();
    expect(await codes.find('abc')).toBeDefined();
  });

  it('marks consumption, once, as a timestamp', async () => {
    const codes = createPostgresAdapterFactory(pool)('AuthorizationCode');
    await codes.upsert('c1', { jti: 'c1' }, 60);
    await codes.consume('c1');
    const first = await codes.find('c1');
    expect(typeof first?.consumed).toBe('number');
    await codes.consume('c1');
    expect((await codes.find('c1'))?.consumed).toBe(first?.consumed);
  });

  it('revokes every artefact of a grant, whatever its kind', async () => {
    const adapters = createPostgresAdapterFactory(pool);
    await adapters('AuthorizationCode').upsert('r1', { grantId: 'g-revoke' }, 60);
    await adapters('RefreshToken').upsert('r2', { grantId: 'g-revoke' }, 600);
    await adapters('RefreshToken').upsert('r3', { grantId: 'g-keep' }, 600);
    await adapters('AuthorizationCode').revokeByGrantId('g-revoke');
    expect(await adapters('AuthorizationCode').find('r1')).toBeUndefined();
    expect(await adapters('RefreshToken').find('r2')).toBeUndefined();
    expect(await adapters('RefreshToken').find('r3')).toBeDefined();
  });

  it('hides expired rows at once and purges them; rows without expiry stay', async () => {
    const adapters = createPostgresAdapterFactory(pool);
    await adapters('Interaction').upsert('old', { uid: 'x' }, 60);
    await adapters('Interaction').upsert('forever', {});
    await pool.query("UPDATE oidc_payloads SET expires_at = now() - interval '1 second' WHERE id = $1", [
      oidcStorageId('old'),
    ]);
    expect(await adapters('Interaction').find('old')).toBeUndefined();
    expect(await adapters('Interaction').find('forever')).toEqual({});
    expect(await purgeExpiredOidcPayloads(pool)).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query('SELECT id FROM oidc_payloads WHERE id = ANY ($1)', [
      [oidcStorageId('old'), oidcStorageId('forever')],
    ]);
    expect(rows).toEqual([{ id: oidcStorageId('forever') }]);
  });
});
