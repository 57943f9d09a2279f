/**
 * The daemon end to end with real processes: enroll, run (pull config, scan a real loopback TLS
 * server, spool, push), status, and a clean stop on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Schedule } from '../src/daemon/schedule.ts';
import { issue } from './fixtures/pki.ts';
import { AGENT_ID, ENROLL_TOKEN, Receiver } from './fixtures/receiver.ts';
import { BIN, runCli } from './fixtures/run-cli.ts';
import { ServerSet } from './fixtures/servers.ts';

let home: string;
let caFile: string;
const servers = new ServerSet();
const receiver = new Receiver();
let url: string;
let tlsPort: number;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'vigilo-agent-home-'));
  const root = await issue({ cn: 'Daemon Root', ca: true });
  const leaf = await issue({ cn: 'localhost', dns: ['localhost'], issuer: root });
  caFile = join(home, 'ca.pem');
  writeFileSync(caFile, root.pem);
  tlsPort = await servers.tls({ key: leaf.keyPem, cert: leaf.pem });
  url = await receiver.start();
}, 60_000);

afterAll(async () => {
  await receiver.stop();
  await servers.close();
  rmSync(home, { recursive: true, force: true });
});

describe('schedule', () => {
  it('spreads new hosts, reschedules with jitter, keeps unchanged hosts in place', () => {
    let r = 0.5;
    const s = new Schedule(() => r);
    const host = {
      host_id: '0190d000-0000-7000-8000-00000000000a',
      hostname: 'a',
      port: 443,
      protocol: null,
      interval_s: 300 as const,
      posture: true,
    };
    s.update([host], 0, 10_000);
    expect(s.takeDue(4_999, 10)).toEqual([]);
    expect(s.takeDue(5_000, 10)).toEqual([host]); // next: 5000 + 300000 × (0.9 + 0.2 × 0.5) = 305000
    expect(s.takeDue(304_999, 10)).toEqual([]);
    r = 0;
    s.update([host], 0, 10_000); // unchanged settings: keeps its place in time
    expect(s.takeDue(305_000, 10)).toEqual([host]);
    s.update([{ ...host, interval_s: 900 }], 400_000, 10_000); // changed: rescheduled from now
    expect(s.takeDue(400_000, 10)).toHaveLength(1);
    s.update([], 0, 0);
    expect(s.size).toBe(0);
  });
});

describe('enroll, run, status', () => {
  it('enrolls, stores the credential with mode 0600, and refuses a used token', async () => {
    const ok = await runCli([
      'enroll',
      '--server',
      url,
      '--token',
      ENROLL_TOKEN,
      '--home',
      home,
      '--name',
      'test-box',
    ]);
    expect(ok.stdout).toContain(`enrolled as agent ${AGENT_ID}`);
    expect(ok.code).toBe(0);
    expect(statSync(join(home, 'config.json')).mode & 0o777).toBe(0o600);
    expect(receiver.enrollments[0]).toMatchObject({ name: 'test-box' });
    const bad = await runCli([
      'enroll',
      '--server',
      url,
      '--token',
      'wrong-token-000000000',
      '--home',
      join(home, 'other'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('enrollment_token_used');
  });

  it('runs: pulls its hosts, scans them, pushes snapshots; status reports; SIGTERM stops it', async () => {
    receiver.hosts = [
      {
        host_id: '0190d000-0000-7000-8000-0000000000b1',
        hostname: 'localhost',
        port: tlsPort,
        protocol: 'tls',
        interval_s: 300,
        posture: false,
      },
    ];
    const child = spawn(process.execPath, [BIN, 'run', '--home', home, '--ca', caFile, '--spread', '0'], {
      stdio: 'pipe',
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 500 && receiver.stored.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(receiver.stored).toHaveLength(1);
    // Give the daemon one state write after the push.
    for (let i = 0; i < 200; i++) {
      const s = await runCli(['status', '--json', '--home', home]);
      const st = JSON.parse(s.stdout);
      if (st.state?.last_push_at) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const status = await runCli(['status', '--home', home]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/daemon\s+running/);
    expect(status.stdout).toMatch(/1 host\(s\)/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string });
    expect(lines.map((l) => l.event)).toEqual(
      expect.arrayContaining(['daemon.started', 'config.updated', 'push.acknowledged', 'daemon.stopped']),
    );
    const after = await runCli(['status', '--home', home]);
    expect(after.code).toBe(3);
    expect(after.stdout).toMatch(/daemon\s+not running/);
  });
});
