import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, followRedirects, formAction } from '../support/browser.ts';
import { processesMatching, waitFor } from '../support/processes.ts';
import { npmStart, type Product, REPO_ROOT } from '../support/product.ts';

/**
 * The product started the way the README says (`npm start`), with the embedded Postgres, in a
 * throw-away VIGILO_HOME, on a free port. These tests own their processes and kill them on failure.
 */
let home: string;
const started: Product[] = [];

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-e2e-'));
  // mkdtemp makes a 0700 folder; as root, the embedded Postgres runs as an unprivileged user who
  // must be able to traverse it (a closed parent is refused with its own test below).
  await chmod(home, 0o755);
});
afterAll(async () => {
  for (const p of started)
    if (p.child.exitCode === null && p.child.pid) process.kill(-p.child.pid, 'SIGKILL');
  for (const pid of processesMatching(home)) process.kill(pid, 'SIGKILL');
  await rm(home, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startAndWaitReady(env: Record<string, string>, timeoutMs: number) {
  const product = npmStart(env);
  started.push(product);
  const t0 = Date.now();
  await waitFor(
    `/readyz on port ${env.VIGILO_PORT}\n${product.output()}`,
    async () => {
      if (product.child.exitCode !== null) throw new Error(`npm start exited early:\n${product.output()}`);
      const res = await fetch(`http://127.0.0.1:${env.VIGILO_PORT}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    timeoutMs,
  );
  return { product, readyAfterMs: Date.now() - t0 };
}

/** The desktop host's URL, printed once the server listens (and the UI is built if stale). */
async function desktopUrl(product: Product): Promise<string> {
  return waitFor(
    `the desktop URL\n${product.output()}`,
    () => /Vigilo desktop: (http:\/\/127\.0\.0\.1:\d+\/#key=[\w-]+)/.exec(product.output())?.[1],
    // Generous: a first start builds the renderer, and CI runs every file at once on 2 cores.
    120_000,
  );
}

async function stopWith(product: Product, signal: NodeJS.Signals) {
  // A signal to npm itself, as a process supervisor would send it.
  product.child.kill(signal);
  return product.exited;
}

describe('npm start (single-machine mode)', () => {
  it('serves /readyz on first start, stops cleanly on SIGTERM, and restarts fast on the same data', async () => {
    const vigiloHome = path.join(home, 'main');
    const port = String(await freePort());
    const first = await startAndWaitReady({ VIGILO_HOME: vigiloHome, VIGILO_PORT: port }, 90_000);
    expect(first.product.output()).toContain(`is running at http://127.0.0.1:${port}`);
    expect(first.product.output()).toMatch(
      /First start: created the owner account owner@vigilo\.local with password \S{20,}/,
    );
    const discovery = await fetch(`http://127.0.0.1:${port}/oidc/.well-known/openid-configuration`);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(`http://127.0.0.1:${port}/oidc`);
    // The desktop: its page, which (signed out) goes to /auth/start with a ticket, then the sign-in form.
    const desktop = new URL(await desktopUrl(first.product));
    const shell = await fetch(desktop);
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain('<div id="root">');
    const jar = new CookieJar();
    // Signed out, the page asks the host (with the bridge key from the URL) where to sign in.
    const key = new URLSearchParams(desktop.hash.slice(1)).get('key') ?? '';
    const asked = await fetch(`${desktop.origin}/bridge/session.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vigilo-key': key },
      body: '{}',
    });
    const { redirect } = ((await asked.json()) as { result: { redirect: string } }).result;
    const signIn = await followRedirects(jar, `${desktop.origin}${redirect}`, desktop.origin);
    expect(signIn.url.startsWith(`http://127.0.0.1:${port}/oidc/auth?`)).toBe(true);
    const form = await followRedirects(jar, signIn.url, `http://127.0.0.1:${port}`);
    const html = await form.res.text();
    expect(html).toContain('Sign in to Vigilo');
    expect(formAction(html)).toMatch(/^\/oidc\/interaction\//);
    // The admin CLI reaches the running embedded database.
    const cli = spawnSync('npm', ['run', '--silent', 'vigilo', '--', 'workspace', 'list'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: '', VIGILO_HOME: vigiloHome, VIGILO_PORT: port },
      encoding: 'utf8',
    });
    expect(cli.stdout).toContain('demo\tDemo\t1 member(s)');
    expect(processesMatching(vigiloHome).length).toBeGreaterThan(0); // the embedded postgres
    expect(await stopWith(first.product, 'SIGTERM'), first.product.output()).toEqual({
      code: 0,
      signal: null,
    });
    expect(processesMatching(vigiloHome)).toEqual([]);
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => 'refused')).toBe('refused');

    const second = await startAndWaitReady({ VIGILO_HOME: vigiloHome, VIGILO_PORT: port }, 15_000);
    expect(second.product.output()).not.toContain('First start');
    await desktopUrl(second.product);
    expect(second.product.output()).not.toContain('Building the desktop UI');
    // Ctrl-C in a terminal signals the whole foreground process group.
    process.kill(-second.product.child.pid!, 'SIGINT');
    expect(await second.product.exited, second.product.output()).toEqual({ code: 0, signal: null });
    expect(processesMatching(vigiloHome)).toEqual([]);
  }, 150_000);

  it('refuses a port that is taken, naming it, and leaves nothing running', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      const vigiloHome = path.join(home, 'port');
      const product = npmStart({ VIGILO_HOME: vigiloHome, VIGILO_PORT: String(port) });
      started.push(product);
      const { code } = await product.exited;
      expect(code).not.toBe(0);
      expect(product.output()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(product.output()).toMatch(/VIGILO_PORT=\d+ npm start/);
      expect(processesMatching(vigiloHome)).toEqual([]);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('names an invalid variable and the expected form', async () => {
    const product = npmStart({ VIGILO_HOME: path.join(home, 'bad-env'), VIGILO_PORT: 'abc' });
    started.push(product);
    expect((await product.exited).code).toBe(2);
    expect(product.output()).toContain('VIGILO_PORT must be a whole number between 1 and 65535 (got "abc")');
  }, 60_000);

  it('names an invalid desktop variable', async () => {
    const product = npmStart({ VIGILO_HOME: path.join(home, 'bad-desktop'), VIGILO_DESKTOP: 'yes' });
    started.push(product);
    expect((await product.exited).code).toBe(2);
    expect(product.output()).toContain('VIGILO_DESKTOP must be 0 or 1');
  }, 60_000);

  it('refuses a half-initialised data folder without touching it', async () => {
    const vigiloHome = path.join(home, 'half');
    await mkdir(path.join(vigiloHome, 'pg'), { recursive: true });
    await writeFile(path.join(vigiloHome, 'pg', 'PG_VERSION'), '18\n');
    const product = npmStart({ VIGILO_HOME: vigiloHome, VIGILO_PORT: String(await freePort()) });
    started.push(product);
    expect((await product.exited).code).toBe(1);
    expect(product.output()).toContain(`The data folder ${vigiloHome} holds a database folder`);
    expect(await readFile(path.join(vigiloHome, 'pg', 'PG_VERSION'), 'utf8')).toBe('18\n');
  }, 60_000);

  it('refuses a data folder written by a newer version', async () => {
    const vigiloHome = path.join(home, 'newer');
    await mkdir(vigiloHome, { recursive: true });
    await writeFile(path.join(vigiloHome, 'vigilo.json'), JSON.stringify({ format: 99 }));
    const product = npmStart({ VIGILO_HOME: vigiloHome, VIGILO_PORT: String(await freePort()) });
    started.push(product);
    expect((await product.exited).code).toBe(1);
    expect(product.output()).toContain(`The data folder ${vigiloHome} was written by a newer Vigilo`);
  }, 60_000);

  it('refuses a data folder path that is not a folder', async () => {
    const file = path.join(home, 'a-file');
    await writeFile(file, 'x');
    const product = npmStart({ VIGILO_HOME: file, VIGILO_PORT: String(await freePort()) });
    started.push(product);
    expect((await product.exited).code).toBe(1);
    expect(product.output()).toContain(`The data folder ${file} is not usable`);
    expect(product.output()).toContain('VIGILO_HOME');
  }, 60_000);
});
