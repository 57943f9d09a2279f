import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAccount } from '../../server/src/identity/local-accounts.ts';
import { createMemoryRateLimiter, createSignInThrottle } from '../../server/src/identity/rate-limit.ts';
import {
  browse,
  CookieJar,
  followRedirects,
  formAction,
  type ProviderServer,
  startProviderServer,
} from '../../server/test/identity/support.ts';
import { signInWithBrowser, tokenSource } from '../src/core/session/oidc.ts';
import { fileTokenStore } from '../src/core/session/token-store.ts';
import { tempDir } from './support/core.ts';

const PASSWORD = 'correct horse battery staple';
let server: ProviderServer;
beforeAll(async () => {
  server = await startProviderServer({
    throttle: createSignInThrottle({
      perAccount: createMemoryRateLimiter({ limit: 10, windowMs: 60_000 }),
      perIp: createMemoryRateLimiter({ limit: 50, windowMs: 60_000 }),
    }),
  });
  await createLocalAccount(server.pool, { email: 'ada@example.test', name: 'Ada', password: PASSWORD });
});
afterAll(async () => {
  await server?.close();
});

/** Plays the person in the browser: opens the page, submits the form, follows to the loopback. */
async function personSignsIn(authorizeUrl: string): Promise<void> {
  const jar = new CookieJar();
  const { res } = await followRedirects(jar, authorizeUrl, server.url);
  const posted = await browse(jar, new URL(formAction(await res.text()), server.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: 'ada@example.test', password: PASSWORD }).toString(),
  });
  const done = await followRedirects(
    jar,
    new URL(posted.headers.get('location')!, server.url).href,
    server.url,
  );
  await (await fetch(done.url)).text(); // the browser lands on the desktop's loopback listener
}

describe('desktop sign-in: authorization code + PKCE on a loopback redirect', () => {
  it('signs in through the real built-in provider and keeps the tokens in a 0600 file', async () => {
    const { dir, cleanup } = tempDir();
    try {
      let opened = '';
      const tokens = await signInWithBrowser({
        issuer: server.issuer,
        serverUrl: server.url,
        openBrowser: (url) => {
          opened = url;
          void personSignsIn(url);
        },
      });
      const params = new URL(opened).searchParams;
      expect(params.get('code_challenge_method')).toBe('S256');
      expect(params.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      expect(tokens.refreshToken).toBeTruthy();

      const file = path.join(dir, 'tokens.json');
      const store = fileTokenStore(file);
      store.save(tokens);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(store.load()).toEqual(tokens);

      // Near expiry, the refresh token buys a new access token (the clock is moved, not waited).
      const later = () => new Date(new Date(tokens.expiresAt).getTime() - 30_000);
      const token = await tokenSource(store, { clock: later })();
      expect(token).toBeTruthy();
      expect(token).not.toBe(tokens.accessToken);
      expect(store.load()?.accessToken).toBe(token);
    } finally {
      cleanup();
    }
  });
});
