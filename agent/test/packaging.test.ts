/**
 * agent/packaging: the systemd unit is one systemd accepts, and the example configuration's
 * options are ones `vigilo-agent run` takes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './fixtures/run-cli.ts';

const PACKAGING = fileURLToPath(new URL('../packaging/', import.meta.url));
const unit = readFileSync(join(PACKAGING, 'vigilo-agent.service'), 'utf8');
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigilo-agent-packaging-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unit's `Key=value` settings, in order (a key may repeat). */
function settings(text: string): [string, string][] {
  return text
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}

describe('vigilo-agent.service', () => {
  it('runs the daemon unprivileged, with its state directory as the agent home, restarting on failure, hardened', () => {
    const s = new Map(settings(unit));
    expect(s.get('User')).toBe('vigilo-agent');
    expect(s.get('StateDirectory')).toBe('vigilo-agent');
    expect(s.get('Environment')).toBe('VIGILO_AGENT_HOME=%S/vigilo-agent');
    expect(s.get('ExecStart')).toMatch(/ run /);
    expect(s.get('Restart')).toBe('on-failure');
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
    ] as const) {
      expect(s.get(key), key).toBe(value);
    }
    expect(settings(unit)).toContainEqual(['SystemCallFilter', '@system-service']);
  });

  it.skipIf(!hasSystemdAnalyze)('passes systemd-analyze verify', () => {
    // verify also checks that ExecStart's program exists: point it at this Node instead of the
    // installed /usr/local/bin/vigilo-agent.
    const file = join(dir, 'vigilo-agent.service');
    writeFileSync(
      file,
      unit.replace('ExecStart=/usr/local/bin/vigilo-agent ', `ExecStart=${process.execPath} `),
    );
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('vigilo-agent.env', () => {
  it('holds options `vigilo-agent run` accepts (it then stops only for want of an enrollment)', async () => {
    const env = readFileSync(join(PACKAGING, 'vigilo-agent.env'), 'utf8');
    const args = /^VIGILO_AGENT_ARGS="([^"]*)"$/m.exec(env)?.[1];
    expect(args).toBeDefined();
    const home = join(dir, 'home');
    const r = await runCli(['run', '--home', home, ...args!.split(/\s+/)]);
    expect(r.stderr).toBe(
      `vigilo-agent run: ${join(home, 'config.json')} not found: run "vigilo-agent enroll --server URL --token TOKEN" first\n`,
    );
    expect(r.code).toBe(1);
  });
});
