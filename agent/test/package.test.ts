/**
 * The agent as a customer installs it, away from the repository: the npm tarball installed into an
 * empty folder, and the single-file executable. Each runs `--version` and scans a loopback TLS
 * server it has never seen, trusting a CA given with --ca. The folders are under the OS temp
 * directory, so nothing resolves modules from the repository's node_modules.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot } from '@vigilo/shared/snapshot';
import { issue } from './fixtures/pki.ts';
import { ServerSet } from './fixtures/servers.ts';

const AGENT = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(AGENT, '..');
const pkg = JSON.parse(readFileSync(join(AGENT, 'package.json'), 'utf8')) as { version: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(command: string, args: string[], cwd: string): Promise<string> {
  const r = await run(command, args, cwd);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const servers = new ServerSet();
let dir: string;
let caFile: string;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigilo-agent-package-'));
  const root = await issue({ cn: 'Package Root', ca: true });
  const leaf = await issue({ cn: 'localhost', dns: ['localhost'], issuer: root });
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, root.pem);
  port = await servers.tls(
    { key: leaf.keyPem, cert: leaf.pem, minVersion: 'TLSv1.2' },
    { headers: ['Strict-Transport-Security: max-age=63072000'] },
  );
});

afterAll(async () => {
  await servers.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Scans the test server with `command` (its JSON line) and checks it graded and trusted it. */
async function expectScan(command: string, args: string[]): Promise<void> {
  const out = await ok(
    command,
    [...args, 'scan', '--json', '--cert-only', '--ca', caFile, `https://localhost:${port}`],
    dir,
  );
  const snapshot = Snapshot.parse(JSON.parse(out.trim()));
  expect(snapshot.agent_version).toBe(pkg.version);
  expect(snapshot.reachability.reason).toBeNull();
  expect(snapshot.grade!.grade).toBe('A+');
}

describe('the npm package', () => {
  it('packs the bundle (prepack builds it) and its bin runs from a tarball installed into an empty folder', async () => {
    const packed = JSON.parse(await ok('npm', ['pack', '--json', '--pack-destination', dir], AGENT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/vigilo-agent.js',
        'dist/vigilo-agent.js',
        'package.json',
        'packaging/vigilo-agent.service',
      ]),
    );
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);

    const home = join(dir, 'install');
    await ok('mkdir', ['-p', home], dir);
    writeFileSync(join(home, 'package.json'), '{ "private": true }\n');
    // The dependencies come from npm's cache when it has them; no install scripts are needed.
    await ok(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        join(dir, packed[0]!.filename),
      ],
      home,
    );
    const installed = join(home, 'node_modules/@vigilo/agent');
    expect(existsSync(join(installed, 'src'))).toBe(false);
    // The launcher would need tsx for the sources; the installed package must do without it.
    expect(existsSync(join(home, 'node_modules/tsx'))).toBe(false);

    const bin = join(home, 'node_modules/.bin/vigilo-agent');
    expect(await ok(process.execPath, [bin, '--version'], dir)).toBe(`${pkg.version}\n`);
    await expectScan(process.execPath, [bin]);
  }, 120_000);
});

describe('the single-file executable', () => {
  const supported = process.platform === 'linux' && process.arch === 'x64';

  it.skipIf(!supported)(
    'npm run build:agent-sea makes one binary that prints the agent version and scans',
    async () => {
      await ok('npm', ['run', '--silent', 'build:agent-sea'], ROOT);
      const exe = join(AGENT, 'dist/vigilo-agent-linux-x64');
      // Node's own --version would print v22…: this is the injected agent answering.
      expect(await ok(exe, ['--version'], dir)).toBe(`${pkg.version}\n`);
      await expectScan(exe, []);
    },
    180_000,
  );
});
