import http from 'node:http';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAuthError } from '../../src/identity/errors.ts';
import { createTokenVerifier, type TokenVerifierOptions } from '../../src/identity/verify-token.ts';

type SigningKey = { kid: string; alg: 'RS256' | 'ES256'; privateKey: CryptoKey; publicJwk: JWK };

async function makeKey(kid: string, alg: 'RS256' | 'ES256' = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A real IdP-shaped HTTP server: discovery + JWKS, with keys the test can rotate. */
let idp: http.Server;
let issuer: string;
let published: JWK[] = [];
let jwksFetches = 0;
let jwksStatus = 200;
let discoveryIssuer: string | undefined;

beforeAll(async () => {
  idp = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: discoveryIssuer ?? issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') {
      jwksFetches++;
      res.writeHead(jwksStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: published }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(idp.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => idp.close(() => r()));
});

let current: SigningKey;
beforeEach(async () => {
  current = await makeKey('key-1');
  published = [current.publicJwk];
  jwksFetches = 0;
  jwksStatus = 200;
  discoveryIssuer = undefined;
});

function sign(
  key: SigningKey,
  claims: JWTPayload = {},
  opts: { exp?: number; aud?: string; iss?: string; kid?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    email: 'ada@example.test',
    name: 'Ada',
    scope: 'api read',
    client_id: 'vigilo-desktop',
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, kid: opts.kid ?? key.kid, typ: 'at+jwt' })
    .setIssuer(opts.iss ?? issuer)
    .setAudience(opts.aud ?? 'vigilo-api')
    .setSubject('user-1')
    .setIssuedAt(now)
    .setExpirationTime(opts.exp ?? now + 300)
    .sign(key.privateKey);
}

const verifier = (opts: Partial<TokenVerifierOptions> = {}) =>
  createTokenVerifier({ issuer, audience: 'vigilo-api', refetchCooldownMs: 0, timeoutMs: 2000, ...opts });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isAuthError(err)) return err.code;
    throw err;
  }
  throw new Error('expected the token to be refused');
}

describe('verify-token against a real JWKS endpoint', () => {
  it('accepts a valid token found through discovery and returns who it speaks for', async () => {
    const result = await verifier().verify(await sign(current));
    expect(result).toMatchObject({
      issuer,
      subject: 'user-1',
      email: 'ada@example.test',
      name: 'Ada',
      clientId: 'vigilo-desktop',
      scopes: ['api', 'read'],
    });
    expect(jwksFetches).toBe(1);
  });

  it('caches keys: many verifications, one JWKS fetch', async () => {
    const v = verifier({ jwksUri: `${issuer}/jwks` });
    const token = await sign(current);
    for (let i = 0; i < 5; i++) await v.verify(token);
    expect(jwksFetches).toBe(1);
  });

  it('refetches the JWKS on an unknown kid, and accepts a key rotated in since', async () => {
    const v = verifier();
    await v.verify(await sign(current));
    const next = await makeKey('key-2', 'RS256');
    published = [current.publicJwk, next.publicJwk];
    const result = await v.verify(await sign(next));
    expect(result.subject).toBe('user-1');
    expect(jwksFetches).toBe(2);
  });

  it('refuses a kid the issuer does not publish even after refetching', async () => {
    const v = verifier();
    await v.verify(await sign(current));
    const stranger = await makeKey('key-unknown');
    expect(await codeOf(v.verify(await sign(stranger)))).toBe('TOKEN_UNKNOWN_KEY');
    expect(jwksFetches).toBe(2);
  });

  it('does not refetch for every unknown kid within the cooldown', async () => {
    const v = verifier({ refetchCooldownMs: 60_000 });
    await v.verify(await sign(current));
    const stranger = await makeKey('key-unknown');
    for (let i = 0; i < 3; i++)
      expect(await codeOf(v.verify(await sign(stranger)))).toBe('TOKEN_UNKNOWN_KEY');
    expect(jwksFetches).toBe(1);
  });

  it('refuses a forged signature: another key claiming the published kid', async () => {
    const forger = await makeKey('key-1');
    expect(await codeOf(verifier().verify(await sign(forger)))).toBe('TOKEN_INVALID');
  });

  it('refuses expired, not-yet-valid, wrong-audience and wrong-issuer tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const v = verifier();
    expect(await codeOf(v.verify(await sign(current, {}, { exp: now - 120 })))).toBe('TOKEN_EXPIRED');
    expect(await codeOf(v.verify(await sign(current, { nbf: now + 600 })))).toBe('TOKEN_NOT_YET_VALID');
    expect(await codeOf(v.verify(await sign(current, {}, { aud: 'someone-else' })))).toBe(
      'TOKEN_WRONG_AUDIENCE',
    );
    expect(await codeOf(v.verify(await sign(current, {}, { iss: 'https://other.example' })))).toBe(
      'TOKEN_WRONG_ISSUER',
    );
  });

  it('allows a small clock skew, and uses the injected clock', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(current, {}, { exp: now - 10 });
    expect((await verifier({ clockToleranceSeconds: 30 }).verify(token)).subject).toBe('user-1');
    const fresh = await sign(current);
    const later = verifier({ clock: () => new Date(Date.now() + 3600_000) });
    expect(await codeOf(later.verify(fresh))).toBe('TOKEN_EXPIRED');
  });

  it('refuses symmetric algorithms (HS256 keyed with public material) and garbage', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(current.publicJwk));
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuer(issuer)
      .setAudience('vigilo-api')
      .setSubject('user-1')
      .setExpirationTime('5m')
      .sign(secret);
    expect(await codeOf(verifier().verify(hs))).toBe('TOKEN_INVALID');
    expect(await codeOf(verifier().verify('not-a-jwt'))).toBe('TOKEN_MALFORMED');
    expect(await codeOf(verifier().verify(undefined))).toBe('TOKEN_MISSING');
  });

  it('refuses a token without a subject', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
      .setIssuer(issuer)
      .setAudience('vigilo-api')
      .setExpirationTime('5m')
      .sign(current.privateKey);
    expect(await codeOf(verifier().verify(token))).toBe('TOKEN_INVALID');
  });

  it('reports an unreachable or misbehaving issuer as ISSUER_UNREACHABLE, and recovers', async () => {
    const token = await sign(current);
    jwksStatus = 500;
    const v = verifier();
    expect(await codeOf(v.verify(token))).toBe('ISSUER_UNREACHABLE');
    jwksStatus = 200;
    expect((await v.verify(token)).subject).toBe('user-1');

    expect(await codeOf(verifier({ issuer: 'http://127.0.0.1:1', jwksUri: undefined }).verify(token))).toBe(
      'ISSUER_UNREACHABLE',
    );
  });

  it('refuses a discovery document that names another issuer', async () => {
    discoveryIssuer = 'https://impostor.example';
    expect(await codeOf(verifier().verify(await sign(current)))).toBe('ISSUER_UNREACHABLE');
    expect(jwksFetches).toBe(0);
  });
});
