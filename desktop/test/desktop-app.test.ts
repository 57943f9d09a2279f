import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeEvent, SessionState } from '../src/bridge/contract.ts';
import { DesktopApp } from '../src/core/desktop-app.ts';
import { DesktopCore, replicaFile } from '../src/core/desktop-core.ts';
import { refreshTokens, revokeTokens, tokenSource } from '../src/core/session/oidc.ts';
import { fileTokenStore, memoryTokenStore } from '../src/core/session/token-store.ts';
import { startHost } from '../src/host/server.ts';
import { browse, CookieJar, followRedirects, formAction } from '@vigilo/tests/support/browser';
import { type SignInServer, startSignInServer } from '@vigilo/tests/support/signin-server';
import { tempDir } from './support/core.ts';

/**
 * The session layer against the real server and its built-in OpenID provider: sign-in, the list
 * of workspaces, switching, remembering, sign-out, the host's own redirect routes, and the retry
 * with a refreshed token after a 401.
 */
let server: SignInServer;
let ids: { demo: string; ops: string };

beforeAll(async () => {
  server = await startSignInServer();
  const tokens = await server.signIn(server.owner.email, server.owner.password);
  const api = server.api(tokens.accessToken);
  const ops = await api.workspace.create.mutate({ slug: 'ops', name: 'Ops' });
  const demo = (await api.workspace.mine.query()).find((w) => w.slug === 'demo')!;
  ids = { demo: demo.id, ops: ops.id };
  await server.seedAlert(ids.demo);
  await server.seedAlert(ids.demo);
  await server.seedAlert(ids.ops);
});
afterAll(async () => {
  await server?.close();
});

// A wait, not a timing assertion: generous because CI runs every test file at once on 2 cores.
const until = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const inboxSize = (app: DesktopApp) =>
  app.core?.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM records WHERE tbl = 'alerts'").get()?.n;

describe('DesktopApp: signing in, workspaces, sign-out', () => {
  it('opens the first workspace, switches, remembers the last one, and signs out keeping replicas', async () => {
    const { dir, cleanup } = tempDir();
    const tokenFile = path.join(dir, 'tokens.json');
    const options = { dataDir: dir, serverUrl: server.url, tokens: fileTokenStore(tokenFile) };
    const app = new DesktopApp(options);
    const sessions: SessionState[] = [];
    const events: BridgeEvent[] = [];
    app.subscribe((e) => (e.type === 'session' ? sessions.push(e.session) : events.push(e)));
    try {
      expect((await app.start()).signedIn).toBe(false);
      expect(app.core).toBeUndefined();

      const session = await app.signedIn(await server.signIn(server.owner.email, server.owner.password));
      expect(session).toMatchObject({ signedIn: true, current: 'demo', canSwitch: true, error: undefined });
      expect(session.user?.email).toBe(server.owner.email);
      expect(session.workspaces.map((w) => [w.slug, w.role])).toEqual([
        ['demo', 'owner'],
        ['ops', 'owner'],
      ]);
      await until(() => inboxSize(app)).toBe(2);
      await until(() => app.syncState().connection).toBe('online');
      expect(app.syncState().dev).toBe(true);

      // Switching closes demo's replica and opens ops'; its events reach the same listeners.
      events.length = 0;
      expect((await app.switchWorkspace('ops')).current).toBe('ops');
      await until(() => inboxSize(app)).toBe(1);
      expect(events.some((e) => e.type === 'changed' && e.tables.includes('alerts'))).toBe(true);
      expect(sessions.at(-1)?.current).toBe('ops');
      await expect(app.switchWorkspace('nope')).rejects.toMatchObject({ reason: 'not_member' });
      await app.close();

      // The next start opens the last workspace at once, before any network answer.
      const again = new DesktopApp({ ...options, fetch: () => Promise.reject(new TypeError('offline')) });
      try {
        const offline = await again.start();
        expect(offline.current).toBe('ops');
        expect(offline.error).toMatch(/could not list your workspaces/);
        expect(inboxSize(again)).toBe(1);
      } finally {
        await again.close();
      }

      const reopened = new DesktopApp(options);
      await reopened.start();
      const stored = options.tokens.load()!;
      const out = await reopened.signOut();
      expect(out).toMatchObject({ signedIn: false, current: undefined, workspaces: [] });
      expect(reopened.core).toBeUndefined();
      expect(existsSync(tokenFile)).toBe(false);
      // Replicas stay for the next sign-in; the refresh token was revoked at the provider.
      // One replica per person on the device: the owner's, under their own folder.
      // Keyed by the provider's subject, which the sign-in keeps.
      expect(stored.user?.sub).toBeTruthy();
      const person = `${stored.issuer}#${stored.user!.sub!}`;
      expect(existsSync(replicaFile(dir, server.url, 'demo', person))).toBe(true);
      expect(existsSync(replicaFile(dir, server.url, 'ops', person))).toBe(true);
      expect(existsSync(replicaFile(dir, server.url, 'ops'))).toBe(false);
      expect(existsSync(replicaFile(dir, server.url, 'ops', 'someone-else@example.test'))).toBe(false);
      await expect(refreshTokens(stored)).rejects.toMatchObject({ reason: 'token_exchange' });
      await reopened.close();
    } finally {
      await app.close();
      cleanup();
    }
  });
});

describe('DesktopApp: membership ended while away', () => {
  it('closes the remembered workspace once the server no longer lists it, and opens one that is', async () => {
    const { dir, cleanup } = tempDir();
    const tokens = memoryTokenStore();
    const signedIn = await server.signIn(server.owner.email, server.owner.password);
    const gone = await server
      .api(signedIn.accessToken)
      .workspace.create.mutate({ slug: 'gone', name: 'Gone' });
    const first = new DesktopApp({ dataDir: dir, serverUrl: server.url, tokens });
    try {
      await first.signedIn(signedIn);
      expect((await first.switchWorkspace('gone')).current).toBe('gone');
    } finally {
      await first.close();
    }
    await server.services.db.owner.query(
      'DELETE FROM memberships WHERE workspace_id = $1 AND user_id = (SELECT id FROM users WHERE email = $2)',
      [gone.id, server.owner.email],
    );
    const again = new DesktopApp({ dataDir: dir, serverUrl: server.url, tokens });
    try {
      const session = await again.start();
      expect(session.workspaces.map((w) => w.slug)).not.toContain('gone');
      expect(session.current).toBe('demo');
    } finally {
      await again.close();
      cleanup();
    }
  });
});

describe('the host signs a browser tab in through its own /callback', () => {
  it('redirects to the provider with PKCE, and stores the tokens only for an answer it asked for', async () => {
    const { dir, cleanup } = tempDir();
    const tokens = memoryTokenStore();
    const app = new DesktopApp({ dataDir: dir, serverUrl: server.url, tokens });
    const host = await startHost({ app, rendererDir: dir });
    try {
      // Answers nobody asked for store nothing.
      const forged = await fetch(`${host.url}/callback?code=abc&state=forged`);
      expect(forged.status).toBe(400);
      expect(await forged.text()).toContain('does not belong to a sign-in started here');
      const refused = await fetch(`${host.url}/callback?error=access_denied&error_description=no`);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('The identity provider refused: no.');
      expect(tokens.load()).toBeUndefined();

      // Only the keyed page may start a sign-in: /auth/start wants a ticket from session.signIn.
      expect((await fetch(`${host.url}/auth/start`, { redirect: 'manual' })).status).toBe(403);
      const asked = await fetch(`${host.url}/bridge/session.signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-vigilo-key': host.key },
        body: '{}',
      });
      const { redirect } = ((await asked.json()) as { result: { redirect: string } }).result;
      expect(redirect).toMatch(/^\/auth\/start\?ticket=/);
      const start = await fetch(`${host.url}${redirect}`, { redirect: 'manual' });
      expect(start.status).toBe(302);
      // The answer is bound to this browser by a cookie; a ticket is good once.
      const binding = start.headers.get('set-cookie')!.split(';')[0]!;
      expect(binding).toMatch(/^vigilo_sign_in=.{20,}$/);
      expect((await fetch(`${host.url}${redirect}`, { redirect: 'manual' })).status).toBe(403);
      const authorize = new URL(start.headers.get('location')!);
      expect(authorize.href.startsWith(`${server.issuer}/`)).toBe(true);
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${host.url}/callback`);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');

      // The person signs in on the provider's page; the provider sends the tab to the host.
      const jar = new CookieJar();
      const { res } = await followRedirects(jar, authorize.href, server.url);
      const posted = await browse(jar, new URL(formAction(await res.text()), server.url).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: server.owner.email, password: server.owner.password }).toString(),
      });
      const back = await followRedirects(
        jar,
        new URL(posted.headers.get('location')!, server.url).href,
        server.url,
      );
      expect(back.url.startsWith(`${host.url}/callback?`)).toBe(true);
      // Another browser (no binding cookie) holding the same answer is refused, and stores nothing.
      const elsewhere = await fetch(back.url, { redirect: 'manual' });
      expect(elsewhere.status).toBe(400);
      expect(tokens.load()).toBeUndefined();
      const landed = await fetch(back.url, { redirect: 'manual', headers: { cookie: binding } });
      expect([landed.status, landed.headers.get('location')]).toEqual([303, '/']);
      expect(tokens.load()?.refreshToken).toBeTruthy();
      expect(app.session()).toMatchObject({ signedIn: true, current: 'demo' });

      // The same answer again (a replay) is refused.
      expect((await fetch(back.url, { headers: { cookie: binding } })).status).toBe(400);
    } finally {
      await host.close();
      await app.close();
      cleanup();
    }
  });
});

describe('a 401 gets one refreshed token and one retry', () => {
  const openCore = (dir: string, token: ReturnType<typeof tokenSource>, fetchFn: typeof fetch) =>
    new DesktopCore({ dataDir: dir, serverUrl: server.url, workspace: 'demo', token, fetch: fetchFn });
  /** Counts the server's 401 answers to the desktop's API calls. */
  const counting = () => {
    const seen = { refused: 0 };
    const fetchFn: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (res.status === 401) seen.refused += 1;
      return res;
    };
    return { seen, fetchFn };
  };

  it('recovers when the server refuses an access token the desktop still thought valid', async () => {
    const { dir, cleanup } = tempDir();
    const signedIn = await server.signIn(server.owner.email, server.owner.password);
    // Refused by the server, unexpired for the desktop (clock skew, keys rotated, a slept laptop).
    const far = new Date(Date.now() + 3_600_000).toISOString();
    const store = memoryTokenStore({ ...signedIn, accessToken: 'refused-token', expiresAt: far });
    const { seen, fetchFn } = counting();
    const core = openCore(dir, tokenSource(store), fetchFn);
    try {
      await core.engine.syncNow();
      expect(core.engine.state()).toMatchObject({ connection: 'online', lastError: undefined });
      expect(seen.refused).toBe(1);
      expect(store.load()?.accessToken).not.toBe('refused-token');
      expect(store.load()?.refreshToken).toBeTruthy();
    } finally {
      await core.close();
      cleanup();
    }
  });

  it('reports the session ended when the refreshed token is refused as well', async () => {
    const { dir, cleanup } = tempDir();
    const signedIn = await server.signIn(server.owner.email, server.owner.password);
    expect(await revokeTokens(signedIn)).toBe(true);
    const far = new Date(Date.now() + 3_600_000).toISOString();
    const store = memoryTokenStore({ ...signedIn, accessToken: 'refused-token', expiresAt: far });
    const { seen, fetchFn } = counting();
    const core = openCore(dir, tokenSource(store), fetchFn);
    try {
      await core.engine.syncNow();
      expect(core.engine.state()).toMatchObject({
        connection: 'signed_out',
        lastError: 'your session ended: sign in again',
      });
      // The first call was refused once, the refresh failed, and no second retry was made.
      expect(seen.refused).toBe(1);
    } finally {
      await core.close();
      cleanup();
    }
  });
});
