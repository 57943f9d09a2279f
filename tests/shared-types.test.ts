import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/product.ts';

/**
 * shared/ runs in the renderer too, so it is type-checked without Node's types
 * (shared/tsconfig.json, part of `npm run typecheck`). The check is real only if it fails on a
 * file that uses Node: both directions here.
 */
const config = ts.getParsedCommandLineOfConfigFile(
  path.join(REPO_ROOT, 'shared/tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) =>
      expect.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  },
)!;
const probes = mkdtempSync(path.join(os.tmpdir(), 'vigilo-shared-types-'));
let probeCount = 0;
afterAll(() => rmSync(probes, { recursive: true, force: true }));

/** The type errors of shared/ with `code` added as one more of its files. */
function errorsWith(code?: string): string[] {
  const extra: string[] = [];
  if (code !== undefined) {
    const file = path.join(probes, `probe-${(probeCount += 1)}.ts`);
    writeFileSync(file, code);
    extra.push(file);
  }
  const program = ts.createProgram([...config.fileNames, ...extra], config.options);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('shared/ is type-checked without Node', () => {
  it('compiles as it is', () => {
    expect(errorsWith()).toEqual([]);
  }, 60_000);

  it.each([
    ['process.env', 'export const home = process.env.HOME;', /Cannot find name 'process'/],
    ['Buffer', "export const b = Buffer.from('x');", /Cannot find name 'Buffer'/],
    ['the DOM', 'export const title = document.title;', /Cannot find name 'document'/],
  ])(
    'refuses a file that uses %s',
    (_what, code, message) => {
      expect(errorsWith(code).join('\n')).toMatch(message);
    },
    60_000,
  );
});
