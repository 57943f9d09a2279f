import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/product.ts';

/** The one-way dependency rule is real only if it fails on a violation: check both directions. */
// The snippets are not files of the TypeScript project, so type-aware rules are switched off here;
// the boundary rule does not need types.
const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], ...tseslint.configs.disableTypeChecked }],
});

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('dependency boundaries', () => {
  it.each([
    [
      'shared/src/x.ts',
      "export { appRouter } from '../../server/src/trpc/router.ts';",
      /shared\/ imports no program/,
    ],
    ['shared/src/x.ts', "import { readFile } from 'node:fs';\nexport const r = readFile;", /no Node APIs/],
    ['agent/src/x.ts', "export * from '@vigilo/server/router-type';", /Programs talk only through shared/],
    ['server/src/x.ts', "export * from '../../agent/src/cli.ts';", /Programs talk only through shared/],
    ['server/src/x.ts', "export * from '@vigilo/tests/support/postgres';", /must not import test support/],
    [
      'desktop/src/renderer/x.ts',
      "import fs from 'node:fs';\nexport default fs;",
      /The renderer has no Node/,
    ],
    ['desktop/src/core/x.ts', "export * from '@vigilo/server';", /only the server router type/],
    [
      'desktop/src/core/x.ts',
      "export * from '@vigilo/server/src/db/pool.ts';",
      /only the server router type/,
    ],
  ])('refuses in %s: %s', async (file, code, message) => {
    const messages = await restrictedImports(file, code);
    expect(messages.join('\n')).toMatch(message);
  });

  it('allows the desktop to import the server router type', async () => {
    expect(
      await restrictedImports(
        'desktop/src/core/x.ts',
        "export type { AppRouter } from '@vigilo/server/router-type';",
      ),
    ).toEqual([]);
  });
});
