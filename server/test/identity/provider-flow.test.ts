import { generateKeyPair, type JWTHeaderParameters, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '@vigilo/tests/support/redis';
import { createLocalAccount } from '../../src/identity/local-accounts.ts';
import { API_RESOURCE, DESKTOP_CLIENT_ID } from '../../src/identity/provider.ts';
import {
  createRedisRateLimiter,
  createSignInThrottle,
  type SignInThrottle,
} from '../../src/identity/rate-limit.ts';
import { createTokenVerifier } from '../../src/identity/verify-token.ts';
import {
  browse,
  CookieJar,
  followRedirects,
  formAction,
  pkcePair,
  startLoopbackReceiver,
} from '@vigilo/tests/support/browser';
import { type ProviderServer, startProviderServer } from '@vigilo/tests/support/provider-server';

const PASSWORD = 'correct horse battery staple';
let server: ProviderServer;
let redis: TestRedis;
let accountId: string;
let current: SignInThrottle;
let generation = 0;

/** Fresh counters for each test (a new key prefix), over the real Redis. */
function freshThrottle(): SignInThrottle {
  const prefix = `${redis.prefix}${generation++}:`;
  return createSignInThrottle({
    perAccount: createRedisRateLimiter(redis.client, { limit: 3, windowMs: 60_000 }, { prefix }),
    perIp: createRedisRateLimiter(redis.client, { limit: 6, windowMs: 60_000 }, { prefix }),
  });
}

beforeAll(async () => {
  redis = await createTestRedis('identity-flow');
  current = freshThrottle();
  server = await startProviderServer({
    throttle: {
      blocked: (a) => current.blocked(a),
      recordFailure: (a) => current.recordFailure(a),
      recordSuccess: (a) => current.recordSuccess(a),
    },
  });
  accountId = (
    await createLocalAccount(server.pool, {
      email: 'Ada@Example.test',
      name: 'Ada Lovelace',
      password: PASSWORD,
    })
  ).id;
  await createLocalAccount(server.pool, {
    email: 'grace@example.test',
    name: 'Grace Hopper',
    password: PASSWORD,
  });
});
afterAll(async () => {
  await server?.close();
  await redis?.cleanup();
});
beforeEach(() => {
  current = freshThrottle();
});

function decodeJwt(token: string): { header: JWTHeaderParameters; payload: JWTPayload } {
  const [h = '', p = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()) as JWTHeaderParameters,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()) as JWTPayload,
  };
}

function authorizeUrl(params: Record<string, string>): string {
  const query = new URLSearchParams({
    client_id: DESKTOP_CLIENT_ID,
    response_type: 'code',
    // offline_access (a refresh token) needs prompt=consent (OpenID Connect Core §11); the
    // consent is granted without a screen for Vigilo's own apps.
    scope: 'openid email profile offline_access',
    prompt: 'consent',
    ...params,
  });
  return `${server.issuer}/auth?${query.toString()}`;
}

/** Opens the authorization URL and returns the sign-in page (after the provider's redirects). */
async function openSignIn(jar: CookieJar, params: Record<string, string>) {
  const { res, url } = await followRedirects(jar, authorizeUrl(params), server.url);
  expect(res.status).toBe(200);
  expect(url).toMatch(/\/oidc\/interaction\/[\w-]+$/);
  return { html: await res.text(), url };
}

async function submit(jar: CookieJar, action: string, email: string, password: string) {
  return browse(jar, new URL(action, server.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }).toString(),
  });
}

/** The whole desktop sign-in: returns the token endpoint's JSON. */
async function signIn(email: string, password: string) {
  const receiver = await startLoopbackReceiver();
  try {
    const jar = new CookieJar();
    const { verifier, challenge } = pkcePair();
    const { html } = await openSignIn(jar, {
      redirect_uri: receiver.redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'state-123',
    });
    const posted = await submit(jar, formAction(html), email, password);
    expect(posted.status).toBe(303);
    const done = await followRedirects(
      jar,
      new URL(posted.headers.get('location')!, server.url).href,
      server.url,
    );
    expect(done.left).toBe(true);
    expect(done.url.startsWith(receiver.redirectUri)).toBe(true);
    await (await fetch(done.url)).text(); // the browser lands on the app's loopback server
    const callback = await receiver.received;
    expect(callback.searchParams.get('state')).toBe('state-123');
    expect(callback.searchParams.get('iss')).toBe(server.issuer);
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();
    const tokenRes = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: DESKTOP_CLIENT_ID,
        code: code!,
        redirect_uri: receiver.redirectUri,
        code_verifier: verifier,
      }),
    });
    return {
      status: tokenRes.status,
      body: (await tokenRes.json()) as Record<string, unknown>,
      code: code!,
      verifier,
      redirectUri: receiver.redirectUri,
    };
  } finally {
    await receiver.close();
  }
}

describe('built-in OpenID provider: authorization code + PKCE over real HTTP', () => {
  it('publishes discovery and a JWKS without private parts', async () => {
    const disc = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(disc.issuer).toBe(server.issuer);
    expect(disc.code_challenge_methods_supported).toEqual(['S256']);
    const jwks = (await (await fetch(String(disc.jwks_uri))).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
  });

  it('signs in, redirects to the loopback URI on any port, and issues a JWT the verifier accepts', async () => {
    const { status, body } = await signIn('ada@example.test', PASSWORD);
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(typeof body.id_token).toBe('string');
    expect(typeof body.refresh_token).toBe('string');
    const verifier = createTokenVerifier({ issuer: server.issuer, audience: 'vigilo-api' });
    const verified = await verifier.verify(body.access_token as string);
    expect(verified).toMatchObject({
      issuer: server.issuer,
      subject: accountId,
      email: 'Ada@Example.test',
      name: 'Ada Lovelace',
      clientId: DESKTOP_CLIENT_ID,
    });
    expect(verified.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it("rejects the provider's real token when expired, for another audience, or re-signed by a forger", async () => {
    const { body } = await signIn('ada@example.test', PASSWORD);
    const token = body.access_token as string;
    const base = { issuer: server.issuer, audience: 'vigilo-api' };
    const expired = createTokenVerifier({ ...base, clock: () => new Date(Date.now() + 11 * 60_000) });
    await expect(expired.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(createTokenVerifier({ ...base, audience: 'other-api' }).verify(token)).rejects.toMatchObject(
      {
        code: 'TOKEN_WRONG_AUDIENCE',
      },
    );

    // Same header (alg, kid) and claims, signed with a key the provider never had.
    const { header, payload } = decodeJwt(token);
    const { privateKey } = await generateKeyPair(header.alg);
    const forged = await new SignJWT(payload).setProtectedHeader(header).sign(privateKey);
    await expect(createTokenVerifier(base).verify(forged)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('refreshes, and refuses a reused code', async () => {
    const first = await signIn('grace@example.test', PASSWORD);
    const refreshed = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: DESKTOP_CLIENT_ID,
        refresh_token: first.body.refresh_token as string,
        resource: API_RESOURCE,
      }),
    });
    expect(refreshed.status).toBe(200);
    const token = ((await refreshed.json()) as { access_token: string }).access_token;
    const verifier = createTokenVerifier({ issuer: server.issuer, audience: 'vigilo-api' });
    expect((await verifier.verify(token)).email).toBe('grace@example.test');

    const reused = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: DESKTOP_CLIENT_ID,
        code: first.code,
        redirect_uri: first.redirectUri,
        code_verifier: first.verifier,
      }),
    });
    expect(reused.status).toBe(400);
    expect(((await reused.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('requires PKCE, and a verifier that matches the challenge', async () => {
    const jar = new CookieJar();
    const noPkce = await browse(jar, authorizeUrl({ redirect_uri: 'http://127.0.0.1:5555/callback' }));
    expect(noPkce.status).toBe(303);
    const location = new URL(noPkce.headers.get('location')!);
    expect(location.origin).toBe('http://127.0.0.1:5555');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses a redirect URI that is not loopback, without redirecting there', async () => {
    const jar = new CookieJar();
    const { challenge } = pkcePair();
    const res = await browse(
      jar,
      authorizeUrl({
        redirect_uri: 'http://evil.example/callback',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toMatch(/redirect_uri/);
  });

  it('rejects a code exchanged with the wrong verifier', async () => {
    const receiver = await startLoopbackReceiver();
    try {
      const jar = new CookieJar();
      const { challenge } = pkcePair();
      const { html } = await openSignIn(jar, {
        redirect_uri: receiver.redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const posted = await submit(jar, formAction(html), 'ada@example.test', PASSWORD);
      const done = await followRedirects(
        jar,
        new URL(posted.headers.get('location')!, server.url).href,
        server.url,
      );
      const code = new URL(done.url).searchParams.get('code')!;
      const res = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: DESKTOP_CLIENT_ID,
          code,
          redirect_uri: receiver.redirectUri,
          code_verifier: pkcePair().verifier,
        }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
    } finally {
      await receiver.close();
    }
  });

  it('refuses a form post without the interaction cookie (cross-site)', async () => {
    const jar = new CookieJar();
    const { challenge } = pkcePair();
    const { html } = await openSignIn(jar, {
      redirect_uri: 'http://127.0.0.1:5555/callback',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const attacker = new CookieJar();
    const res = await submit(attacker, formAction(html), 'ada@example.test', PASSWORD);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/Sign-in expired/);
  });
});

describe('sign-in failures and rate limits', () => {
  async function loginPage(jar: CookieJar) {
    const { challenge } = pkcePair();
    const { html } = await openSignIn(jar, {
      redirect_uri: 'http://127.0.0.1:5555/callback',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    return formAction(html);
  }

  it('rejects a wrong password and an unknown email alike, re-showing the form', async () => {
    const jar = new CookieJar();
    const action = await loginPage(jar);
    for (const [email, password] of [
      ['ada@example.test', 'wrong password!!'],
      ['nobody@example.test', PASSWORD],
    ] as const) {
      const res = await submit(jar, action, email, password);
      expect(res.status).toBe(401);
      const html = await res.text();
      expect(html).toContain('Incorrect email or password.');
      expect(formAction(html)).toBe(action);
    }
  });

  it('blocks an account after 3 failures, even with the right password, but not other accounts', async () => {
    const jar = new CookieJar();
    const action = await loginPage(jar);
    for (let i = 0; i < 3; i++)
      expect((await submit(jar, action, 'ada@example.test', `wrong password ${i}`)).status).toBe(401);
    const blocked = await submit(jar, action, 'ADA@example.test', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).toMatch(/Too many failed sign-ins/);

    const other = await submit(jar, action, 'grace@example.test', PASSWORD);
    expect(other.status).toBe(303);
  });

  it('blocks an IP after 6 failures across different accounts', async () => {
    const jar = new CookieJar();
    const action = await loginPage(jar);
    for (let i = 0; i < 6; i++)
      expect((await submit(jar, action, `spray${i}@example.test`, 'wrong password!!')).status).toBe(401);
    const res = await submit(jar, action, 'grace@example.test', PASSWORD);
    expect(res.status).toBe(429);
  });

  it('a successful sign-in clears the account count', async () => {
    const jar = new CookieJar();
    const action = await loginPage(jar);
    for (let i = 0; i < 2; i++) await submit(jar, action, 'grace@example.test', 'wrong password!!');
    expect((await submit(jar, action, 'grace@example.test', PASSWORD)).status).toBe(303);
    const jar2 = new CookieJar();
    const action2 = await loginPage(jar2);
    for (let i = 0; i < 2; i++)
      expect((await submit(jar2, action2, 'grace@example.test', 'wrong password!!')).status).toBe(401);
    expect((await submit(jar2, action2, 'grace@example.test', PASSWORD)).status).toBe(303);
  });
});
