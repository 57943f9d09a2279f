import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './fixtures/run-cli.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('vigilo-agent --version', () => {
  it('prints the package version alone and exits 0 (the same version the agent sends the server)', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    }
  });

  it('is listed in the usage', async () => {
    expect((await runCli(['help'])).stdout).toContain('--version');
  });
});
