import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { desktopEnvSchema, envProblems } from '../src/core/env.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const PORT_RULE = 'VIGILO_DESKTOP_PORT must be a whole number from 0 to 65535 (0: any free port)';

/** Runs a program of the repository with `env` added and answers its exit code and stderr. */
function run(file: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(repo, file)],
      { cwd: repo, env: { ...process.env, ...env }, timeout: 30_000 },
      (err, _stdout, stderr) => resolve({ code: err ? (err.code as number | null) : 0, stderr }),
    );
  });
}

describe('the desktop environment: one set of rules', () => {
  it('takes the host’s and the launcher’s variables with their defaults left to each', () => {
    expect(desktopEnvSchema.parse({})).toEqual({
      VIGILO_SERVER_URL: 'http://127.0.0.1:7300',
      VIGILO_DESKTOP: '1',
    });
    expect(desktopEnvSchema.parse({ VIGILO_DESKTOP_PORT: '0' }).VIGILO_DESKTOP_PORT).toBe(0);
    expect(desktopEnvSchema.parse({ VIGILO_DESKTOP_PORT: '7310' }).VIGILO_DESKTOP_PORT).toBe(7310);
  });

  it('names each bad variable and the form it wants', () => {
    const bad = desktopEnvSchema.safeParse({
      VIGILO_SERVER_URL: 'ftp://example.test',
      VIGILO_DESKTOP_PORT: '70000',
      VIGILO_DESKTOP: 'yes',
      VIGILO_WORKSPACE: '',
    });
    expect(bad.success ? [] : envProblems(bad.error)).toEqual([
      'VIGILO_SERVER_URL must be an http:// or https:// URL',
      'VIGILO_WORKSPACE must not be empty',
      PORT_RULE,
      'VIGILO_DESKTOP must be 0 or 1',
    ]);
    expect(desktopEnvSchema.safeParse({ VIGILO_DESKTOP_PORT: 'abc' }).error?.issues[0]?.message).toBe(
      PORT_RULE,
    );
  });

  it.each([
    ['the host on its own', 'desktop/src/host/main.ts'],
    ['npm start', 'launcher/start.ts'],
  ])('refuses a bad port the same way in %s, before starting anything', async (_name, file) => {
    const { code, stderr } = await run(file, { VIGILO_DESKTOP_PORT: '70000' });
    expect(code).toBe(2);
    expect(stderr).toContain(PORT_RULE);
  });
});
