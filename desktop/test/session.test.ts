import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personSignsIn as signInAs } from '@vigilo/tests/support/browser';
import { type ProviderServer, startProviderServer } from '@vigilo/tests/support/provider-server';
import { signInWithBrowser, tokenSource } from '../src/core/session/oidc.ts';
import { fileTokenStore } from '../src/core/session/token-store.ts';
import { tempDir } from './support/core.ts';

const PASSWORD = 'correct horse battery staple';
let server: ProviderServer;
beforeAll(async () => {
  server = await startProviderServer({
    accounts: [{ email: 'ada@example.test', name: 'Ada', password: PASSWORD }],
  });
});
afterAll(async () => {
  await server?.close();
});

/** Plays the person in the browser: opens the page, submits the form, follows to the loopback. */
const personSignsIn = (authorizeUrl: string) =>
  signInAs(server.url, authorizeUrl, 'ada@example.test', PASSWORD);

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
