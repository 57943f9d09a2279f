import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, followRedirects, formAction } from '../support/browser.ts';
import { apiClient } from '../support/client.ts';
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

async function startAndWaitReady(env: Record<string, string>, timeoutMs: number, args: string[] = []) {
  const product = npmStart(env, args);
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

/** An owner's API token for the demo workspace, minted with the admin CLI against the running server. */
function ownerToken(vigiloHome: string, port: string): string {
  const cli = spawnSync(
    'npm',
    [
      'run',
      '--silent',
      'vigilo',
      '--',
      'token',
      'add',
      '--workspace',
      'demo',
      '--email',
      'owner@vigilo.local',
      '--role',
      'owner',
      '--name',
      'e2e',
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: '', VIGILO_HOME: vigiloHome, VIGILO_PORT: port },
      encoding: 'utf8',
    },
  );
  const token = cli.stdout.trim().split('\n').at(-1) ?? '';
  expect(token, cli.stdout + cli.stderr).toMatch(/^\S{20,}$/);
  return token;
}

/** The demo endpoints' ports by tag, from the lines the first start prints. */
function demoPorts(output: string): Map<string, number> {
  return new Map([...output.matchAll(/localhost:(\d+)\s+(demo-[a-z-]+)/g)].map((m) => [m[2]!, Number(m[1])]));
}

/** The subject CN of the certificate served on 127.0.0.1:port, or 'refused'. */
function servedCommonName(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    socket.once('secureConnect', () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(Array.isArray(cn) ? cn.join(',') : (cn ?? ''));
    });
    socket.once('error', () => resolve('refused'));
  });
}

describe('the first-run demo', () => {
  it('serves four demo endpoints graded A+, A+, C and M within a minute, with the default rules alerting; a removed demo host stays removed', async () => {
    const vigiloHome = path.join(home, 'demo');
    const port = String(await freePort());
    const env = { VIGILO_HOME: vigiloHome, VIGILO_PORT: port, VIGILO_DESKTOP: '0' };
    const first = await startAndWaitReady(env, 90_000);
    const output = await waitFor(
      `the demo's introduction\n${first.product.output()}`,
      () =>
        first.product.output().includes('--no-demo or VIGILO_DEMO=0') ? first.product.output() : undefined,
      30_000,
    );
    const ports = demoPorts(output);
    expect([...ports.keys()].sort()).toEqual([
      'demo-expiring',
      'demo-good',
      'demo-weak-tls',
      'demo-wrong-name',
    ]);
    const api = apiClient(`http://127.0.0.1:${port}`, ownerToken(vigiloHome, port));
    const [localAgent] = await api.agents.list.query({ workspace: 'demo' });

    // Scanned by the local agent and graded within a minute of the start.
    const t0 = Date.now();
    const hosts = await waitFor(
      'the demo hosts graded',
      async () => {
        const list = await api.hosts.list.query({ workspace: 'demo', tag: 'demo' });
        return list.length === 4 && list.every((h) => h.grade !== null) ? list : undefined;
      },
      60_000,
      500,
    );
    const byTag = (tag: string) => hosts.find((h) => h.tags.includes(tag));
    expect(
      Object.fromEntries(
        ['demo-good', 'demo-expiring', 'demo-weak-tls', 'demo-wrong-name'].map((t) => [t, byTag(t)?.grade]),
      ),
    ).toEqual({ 'demo-good': 'A+', 'demo-expiring': 'A+', 'demo-weak-tls': 'C', 'demo-wrong-name': 'M' });
    for (const h of hosts) {
      expect(h.hostname).toBe('localhost');
      expect(h.port).toBe(ports.get(h.tags.find((t) => t !== 'demo')!));
      expect(h.agentId).toBe(localAgent?.id);
    }
    const expiresInDays = (byTag('demo-expiring')!.notAfter!.getTime() - Date.now()) / 86_400_000;
    expect(expiresInDays).toBeGreaterThan(5.4);
    expect(expiresInDays).toBeLessThan(5.6);

    // The default rules raise the alerts the introduction promised, and nothing on the good one.
    const alerts = await waitFor(
      'the default rules to alert on the demo hosts',
      async () => {
        const page = await api.alerts.list.query({ workspace: 'demo', state: 'open' });
        const names = (tag: string) =>
          page.alerts
            .filter((a) => a.hostId === byTag(tag)!.id)
            .map((a) => a.ruleName)
            .sort();
        const found = {
          expiring: names('demo-expiring'),
          weak: names('demo-weak-tls'),
          wrongName: names('demo-wrong-name'),
          good: names('demo-good'),
        };
        return found.expiring.length === 2 && found.weak.length === 1 && found.wrongName.length === 2
          ? found
          : undefined;
      },
      Math.max(5_000, 60_000 - (Date.now() - t0)),
      500,
    );
    expect(alerts).toEqual({
      expiring: ['Certificate expires within 30 days', 'Certificate expires within 7 days'],
      weak: ['Grade below B'],
      wrongName: ['Certificate does not match the hostname', 'Grade below B'],
      good: [],
    });

    // A demo host is removed like any other.
    await api.hosts.remove.mutate({ workspace: 'demo', id: byTag('demo-weak-tls')!.id });
    expect(await stopWith(first.product, 'SIGTERM'), first.product.output()).toEqual({
      code: 0,
      signal: null,
    });
    expect(await servedCommonName(ports.get('demo-good')!)).toBe('refused');

    // A later start serves the three left, on their ports, and adds nothing back.
    const second = await startAndWaitReady(env, 30_000);
    const again = await waitFor(
      `the demo endpoints line\n${second.product.output()}`,
      () => /Demo endpoints running for the demo hosts: (.*) \(/.exec(second.product.output())?.[1],
      30_000,
    );
    const expected = ['demo-good', 'demo-expiring', 'demo-wrong-name'].map((t) => ports.get(t)!);
    expect(again.split(', ').sort()).toEqual(expected.map((p) => `localhost:${p}`).sort());
    expect(second.product.output()).not.toContain('Demo: these TLS endpoints');
    expect(await servedCommonName(ports.get('demo-good')!)).toBe('Vigilo demo: good');
    expect(await servedCommonName(ports.get('demo-wrong-name')!)).toBe('wrong-name.demo.vigilo.invalid');
    expect(await servedCommonName(ports.get('demo-weak-tls')!)).toBe('refused');
    const left = await api.hosts.list.query({ workspace: 'demo', tag: 'demo' });
    expect(left.map((h) => h.port).sort()).toEqual([...expected].sort());
    process.kill(-second.product.child.pid!, 'SIGINT');
    expect(await second.product.exited, second.product.output()).toEqual({ code: 0, signal: null });
    expect(processesMatching(vigiloHome)).toEqual([]);
  }, 240_000);

  it('adds no demo with --no-demo, nor on a later start without it', async () => {
    const vigiloHome = path.join(home, 'no-demo');
    const port = String(await freePort());
    const env = { VIGILO_HOME: vigiloHome, VIGILO_PORT: port, VIGILO_DESKTOP: '0' };
    const first = await startAndWaitReady(env, 90_000, ['--no-demo']);
    const api = apiClient(`http://127.0.0.1:${port}`, ownerToken(vigiloHome, port));
    // The demo hosts would be added right after the local agent's enrollment, well before the
    // agent's first call: once the agent has been seen, anything the start adds is there.
    await waitFor(
      'the local agent to call',
      async () => ((await api.agents.list.query({ workspace: 'demo' }))[0]?.lastSeenAt ? true : undefined),
      30_000,
    );
    expect(await api.hosts.list.query({ workspace: 'demo' })).toEqual([]);
    expect(first.product.output()).not.toMatch(/Demo:|Demo endpoints/);
    await expect(stat(path.join(vigiloHome, 'demo'))).rejects.toThrow(/ENOENT/);
    expect(await stopWith(first.product, 'SIGTERM'), first.product.output()).toEqual({
      code: 0,
      signal: null,
    });

    const second = await startAndWaitReady(env, 30_000);
    // A start that runs the demo writes its CA into the data folder before it starts the local
    // agent: with the agent running and no such folder, this start runs no demo.
    await waitFor(
      'the local agent to run again',
      () => (processesMatching(`${vigiloHome}/agent --spread`).length > 0 ? true : undefined),
      30_000,
    );
    await expect(stat(path.join(vigiloHome, 'demo'))).rejects.toThrow(/ENOENT/);
    expect(await api.hosts.list.query({ workspace: 'demo' })).toEqual([]);
    expect(second.product.output()).not.toMatch(/Demo:|Demo endpoints/);
    expect(await stopWith(second.product, 'SIGTERM'), second.product.output()).toEqual({
      code: 0,
      signal: null,
    });
  }, 180_000);

  it('names an invalid VIGILO_DEMO and an unknown option', async () => {
    const bad = npmStart({ VIGILO_HOME: path.join(home, 'bad-demo'), VIGILO_DEMO: 'no' });
    started.push(bad);
    expect((await bad.exited).code).toBe(2);
    expect(bad.output()).toContain('VIGILO_DEMO must be 0 or 1 (got "no")');
    const unknown = npmStart({ VIGILO_HOME: path.join(home, 'bad-option') }, ['--demo-please']);
    started.push(unknown);
    expect((await unknown.exited).code).toBe(2);
    expect(unknown.output()).toContain('unknown option --demo-please (npm start accepts --no-demo)');
  }, 60_000);
});
