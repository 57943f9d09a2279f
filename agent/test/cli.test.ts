/**
 * The CLI as users run it: a real child process against real loopback servers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot } from '@vigilo/shared/snapshot';
import { expandCidr } from '../src/cli/discover.ts';
import { days, issue } from './fixtures/pki.ts';
import { runCli } from './fixtures/run-cli.ts';
import { ServerSet } from './fixtures/servers.ts';

const servers = new ServerSet();
let dir: string;
let caFile: string;
let good: number;
let expired: number;
let closed: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigilo-cli-'));
  const root = await issue({ cn: 'CLI Root', ca: true });
  const leaf = await issue({ cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'], issuer: root });
  const old = await issue({
    cn: 'localhost',
    dns: ['localhost'],
    issuer: root,
    notBefore: days(-20),
    notAfter: days(-2),
  });
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, root.pem);
  good = await servers.tls(
    { key: leaf.keyPem, cert: leaf.pem, minVersion: 'TLSv1.2' },
    {
      headers: ['Strict-Transport-Security: max-age=63072000'],
    },
  );
  expired = await servers.tls({ key: old.keyPem, cert: old.pem, minVersion: 'TLSv1.2' });
  closed = await servers.closedPort();
}, 60_000);

afterAll(async () => {
  await servers.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigilo-agent scan', () => {
  it('prints a report card per endpoint, in input order', async () => {
    const r = await runCli([
      'scan',
      '--ca',
      caFile,
      `https://localhost:${good}`,
      `localhost:${expired}`,
      `localhost:${closed}`,
    ]);
    expect(r.code).toBe(0);
    const cards = r.stdout.trim().split('\n\n');
    expect(cards).toHaveLength(3);
    expect(cards[0]).toContain(`localhost:${good} (https)  grade A+`);
    expect(cards[0]).toMatch(/HSTS\s+max-age=63072000 \(730 days\)/);
    expect(cards[0]).toMatch(
      /protocols\s+SSLv2 no · SSLv3 no · TLSv1 no · TLSv1.1 no · TLSv1.2 yes · TLSv1.3 yes/,
    );
    expect(cards[0]).toMatch(/valid .*\(36[45] days left\)/);
    expect(cards[1]).toContain('grade T (configuration A)');
    expect(cards[1]).toMatch(/trust\s+NOT TRUSTED: expired/);
    expect(cards[1]).toContain('[T] cert.expired');
    expect(cards[2]).toContain('UNREACHABLE');
    expect(cards[2]).toMatch(/reason\s+tcp_refused \(phase tcp\)/);
  });

  it('prints snapshots as JSON lines that parse as the wire schema', async () => {
    const r = await runCli([
      'scan',
      '--json',
      '--cert-only',
      '--ca',
      caFile,
      `https://localhost:${good}`,
      `localhost:${closed}`,
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => Snapshot.parse(JSON.parse(l)));
    expect(a!.grade!.grade).toBe('A+');
    expect(a!.tls!.posture_probed).toBe(false);
    expect(b!.reachability.reason).toBe('tcp_refused');
    expect(a!.id).not.toBe(b!.id);
  });

  it('reads targets from stdin and a file', async () => {
    const fromStdin = await runCli(['scan', '--json', '--cert-only', '--ca', caFile], {
      stdin: `# targets\nlocalhost:${good}\n\nlocalhost:${expired}\n`,
    });
    expect(fromStdin.stdout.trim().split('\n')).toHaveLength(2);
    const file = join(dir, 'targets.txt');
    writeFileSync(file, `localhost:${good}, localhost:${expired}\n`);
    const fromFile = await runCli(['scan', '--json', '--cert-only', '--ca', caFile, '--file', file]);
    expect(fromFile.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('exits 1 when an endpoint is below --fail-below, 0 when none is', async () => {
    const failing = await runCli([
      'scan',
      '--cert-only',
      '--ca',
      caFile,
      '--fail-below',
      'B',
      `localhost:${good}`,
      `localhost:${expired}`,
    ]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('1 of 2 endpoint(s) below B');
    const passing = await runCli([
      'scan',
      '--cert-only',
      '--ca',
      caFile,
      '--fail-below',
      'A',
      `https://localhost:${good}`,
    ]);
    expect(passing.code).toBe(0);
  });

  it('exits 2 with a message naming the mistake', async () => {
    const badTarget = await runCli(['scan', 'gopher://x']);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toContain('unknown protocol "gopher"');
    const badGrade = await runCli(['scan', '--fail-below', 'Q', 'localhost']);
    expect(badGrade.code).toBe(2);
    expect(badGrade.stderr).toContain('--fail-below');
    const badCa = await runCli(['scan', '--ca', join(dir, 'missing.pem'), 'localhost']);
    expect(badCa.code).toBe(2);
    expect(badCa.stderr).toContain('missing.pem');
  });
});

describe('vigilo-agent discover', () => {
  it('expands CIDRs without network and broadcast addresses', () => {
    expect(expandCidr('127.0.0.0/30')).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(expandCidr('127.0.0.5')).toEqual(['127.0.0.5']);
    expect(expandCidr('127.0.0.4/31')).toEqual(['127.0.0.4', '127.0.0.5']);
    expect(() => expandCidr('10.0.0.0/8')).toThrow(/larger than \/16/);
  });

  it('finds the TLS services in a loopback range', async () => {
    const r = await runCli([
      'discover',
      '127.0.0.0/30',
      '--ports',
      `${good},${expired},${closed}`,
      '--timeout',
      '1000',
      '--rate',
      '50',
    ]);
    expect(r.code).toBe(0);
    const found = r.stdout.trim().split('\n').sort();
    expect(found).toEqual(
      [
        `tls://127.0.0.1:${good}\tTLSv1.3\tlocalhost`,
        `tls://127.0.0.1:${expired}\tTLSv1.3\tlocalhost`,
      ].sort(),
    );
    expect(r.stderr).toContain('2 TLS service(s) found on 2 address(es) × 3 port(s)');
  });
});
