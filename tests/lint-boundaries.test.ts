import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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
    // Inside the desktop: the core wraps nothing, the renderer goes through the bridge.
    ['desktop/src/core/x.ts', "export * from '../host/server.ts';", /core .* imports nothing from host/],
    [
      'desktop/src/core/sync/x.ts',
      "export * from '../../main/index.ts';",
      /core .* imports nothing from host/,
    ],
    ['desktop/src/core/x.ts', "export * from '../preload/index.ts';", /core .* imports nothing from host/],
    ['desktop/src/core/x.ts', "export { useStore } from '../renderer/store.ts';", /core .* imports nothing/],
    ['desktop/src/core/x.ts', "export * from '@vigilo/server';", /only the server router type/],
    [
      'desktop/src/renderer/x.ts',
      "export { DesktopCore } from '../core/desktop-core.ts';",
      /reaches the core only through the bridge/,
    ],
    [
      'desktop/src/renderer/features/inbox/x.tsx',
      "export { inbox } from '../../../core/replica/queries.ts';",
      /reaches the core only through the bridge/,
    ],
    ['desktop/src/renderer/x.ts', "export * from '../host/server.ts';", /The renderer has no Node/],
    ['desktop/src/bridge/x.ts', "export * from '../core/log.ts';", /bridge contract is pure data/],
  ])('refuses in %s: %s', async (file, code, message) => {
    const messages = await restrictedImports(file, code);
    expect(messages.join('\n')).toMatch(message);
  });

  it.each([
    ['desktop/src/renderer/x.ts', "export type { SyncState } from '../bridge/contract.ts';"],
    ['desktop/src/renderer/x.ts', "export { bridge } from './bridge/transport.ts';"],
    ['desktop/src/core/x.ts', "export { actionSchema } from '../bridge/contract.ts';"],
    ['desktop/src/host/x.ts', "export { DesktopApp } from '../core/desktop-app.ts';"],
    ['desktop/src/main/x.ts', "export { DesktopApp } from '../core/desktop-app.ts';"],
  ])('allows in %s: %s', async (file, code) => {
    expect(await restrictedImports(file, code)).toEqual([]);
  });

  it('finds no runtime import cycle in the renderer', () => {
    expect(runtimeCycles(path.join(REPO_ROOT, 'desktop/src/renderer'))).toEqual([]);
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

/**
 * Import cycles among a folder's files that survive compilation (type-only imports are erased):
 * in a cycle, whichever module loads first sees the other half-made.
 */
function runtimeCycles(dir: string): string[][] {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => path.join(dir, f));
  const known = new Set(files);
  const runtimeImport = /^(?:import|export)\s+(?!type\s)(?:[^;]*?\sfrom\s+)?'(\.[^']+)'/gms;
  const edges = new Map(
    files.map((f) => [
      f,
      [...readFileSync(f, 'utf8').matchAll(runtimeImport)]
        .map((m) => path.resolve(path.dirname(f), m[1]!))
        .filter((target) => known.has(target)),
    ]),
  );
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, stack: string[]): void => {
    const at = stack.indexOf(file);
    if (at >= 0) {
      cycles.push(stack.slice(at).map((f) => path.relative(dir, f)));
      return;
    }
    if (done.has(file)) return;
    for (const next of edges.get(file) ?? []) visit(next, [...stack, file]);
    done.add(file);
  };
  for (const f of files) visit(f, []);
  return cycles;
}
