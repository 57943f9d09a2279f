import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAccount } from '../../src/identity/local-accounts.ts';
import { API_RESOURCE, DESKTOP_CLIENT_ID } from '../../src/identity/provider.ts';
import type { SignInThrottle } from '../../src/identity/rate-limit.ts';
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
const open: SignInThrottle = {
  blocked: () => Promise.resolve(undefined),
  recordFailure: () => Promise.resolve(),
  recordSuccess: () => Promise.resolve(),
};
let server: ProviderServer;

beforeAll(async () => {
  server = await startProviderServer({ throttle: open });
  await createLocalAccount(server.pool, { email: 'ada@example.test', name: 'Ada', password: PASSWORD });
});
afterAll(async () => {
  await server?.close();
});

/** The desktop's sign-in up to the token response; returns it, the code and the browser's cookies. */
async function signIn() {
  const receiver = await startLoopbackReceiver();
  try {
    const jar = new CookieJar();
    const { verifier, challenge } = pkcePair();
    const query = new URLSearchParams({
      client_id: DESKTOP_CLIENT_ID,
      response_type: 'code',
      scope: 'openid email offline_access',
      prompt: 'consent',
      redirect_uri: receiver.redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const page = await followRedirects(jar, `${server.issuer}/auth?${query.toString()}`, server.url);
    const posted = await browse(jar, new URL(formAction(await page.res.text()), server.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'ada@example.test', password: PASSWORD }).toString(),
    });
    expect(posted.status).toBe(303);
    const done = await followRedirects(
      jar,
      new URL(posted.headers.get('location')!, server.url).href,
      server.url,
    );
    await (await fetch(done.url)).text(); // the browser lands on the app's loopback server
    const code = (await receiver.received).searchParams.get('code')!;
    const res = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: DESKTOP_CLIENT_ID,
        code,
        redirect_uri: receiver.redirectUri,
        code_verifier: verifier,
      }),
    });
    expect(res.status).toBe(200);
    return {
      tokens: (await res.json()) as { refresh_token: string },
      code,
      cookies: jar.header(server.issuer),
    };
  } finally {
    await receiver.close();
  }
}

async function refresh(refreshToken: string): Promise<Response> {
  return fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: DESKTOP_CLIENT_ID,
      refresh_token: refreshToken,
      resource: API_RESOURCE,
    }),
  });
}

/** How many rows of the provider's storage contain `secret` anywhere (id, payload, any column). */
async function rowsContaining(secret: string): Promise<number> {
  const { rows } = await server.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM oidc_payloads p WHERE strpos(p::text, $1) > 0',
    [secret],
  );
  return rows[0]?.n ?? -1;
}

describe("the provider's stored artefacts hold no bearer secret", () => {
  it('keeps no refresh token, code or session id in the table, and refresh still works', async () => {
    const { tokens, code, cookies } = await signIn();
    const refreshToken = tokens.refresh_token;
    expect(typeof refreshToken).toBe('string');
    expect(await rowsContaining(refreshToken)).toBe(0);
    expect(await rowsContaining(code)).toBe(0);
    // The provider's session cookie value is the Session's id.
    const sessionId = /(?:^|; )_session=([^;]+)/.exec(cookies)?.[1];
    expect(sessionId).toBeTruthy();
    expect(await rowsContaining(sessionId!)).toBe(0);
    // The rows are there, keyed by something else.
    const kinds = await server.pool.query<{ kind: string }>('SELECT DISTINCT kind FROM oidc_payloads');
    expect(kinds.rows.map((r) => r.kind)).toEqual(
      expect.arrayContaining(['RefreshToken', 'Session', 'Grant']),
    );

    const refreshed = await refresh(refreshToken);
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as { access_token: string; refresh_token?: string };
    const verifier = createTokenVerifier({ issuer: server.issuer, audience: 'vigilo-api' });
    expect((await verifier.verify(body.access_token)).email).toBe('ada@example.test');
    if (body.refresh_token) expect(await rowsContaining(body.refresh_token)).toBe(0);
  });

  it('refuses a value copied out of the table as a refresh token', async () => {
    await signIn();
    const { rows } = await server.pool.query<{ id: string }>(
      "SELECT id FROM oidc_payloads WHERE kind = 'RefreshToken'",
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const { id } of rows) {
      const res = await refresh(id);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
    }
  });
});
