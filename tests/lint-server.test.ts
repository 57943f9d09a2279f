import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/product.ts';

/**
 * The server's layer rules are real only if they fail on a violation. The snippets are not files
 * of the TypeScript project, so type-aware rules are switched off; these rules need no types.
 */
const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
});

async function messages(filePath: string, code: string, ruleId: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

describe('server: one transaction module', () => {
  it.each([
    ['server/src/monitoring/x.ts', "export const go = (c: { query(s: string): void }) => c.query('BEGIN');"],
    [
      'server/src/trpc/routers/x.ts',
      'export const go = (c: { query(s: string): void }) => c.query("begin");',
    ],
    [
      'server/src/x.ts',
      "export const go = (c: { query(s: string): void }) => c.query('BEGIN ISOLATION LEVEL SERIALIZABLE');",
    ],
    ['server/src/jobs/x.ts', 'export const go = (c: { query(s: string): void }) => c.query(`BEGIN`);'],
    [
      'server/src/jobs/x.ts',
      "export const go = (c: { query(s: string): void }) => c.query(' start transaction');",
    ],
  ])('refuses a hand-written transaction in %s: %s', async (file, code) => {
    expect((await messages(file, code, 'no-restricted-syntax')).join('\n')).toMatch(
      /only through server\/src\/db\/tx\.ts/,
    );
  });

  it.each([
    ['server/src/db/x.ts', "export const go = (c: { query(s: string): void }) => c.query('BEGIN');"],
    // Not a transaction: SQL that merely contains the word, and PL/pgSQL blocks.
    ['server/src/x.ts', "export const sql = 'DO $$ BEGIN PERFORM 1; END $$';"],
    ['server/src/x.ts', "export const word = 'beginner';"],
    ['server/src/x.ts', "export const go = (c: { query(s: string): void }) => c.query('SAVEPOINT s');"],
  ])('allows in %s: %s', async (file, code) => {
    expect(await messages(file, code, 'no-restricted-syntax')).toEqual([]);
  });
});

describe('server: domains import no door', () => {
  it.each([
    ['server/src/monitoring/hosts/x.ts', "export { fieldError } from '../../trpc/refusals.ts';"],
    ['server/src/workspaces/x.ts', "export { TRPCError } from '@trpc/server';"],
    ['server/src/monitoring/x.ts', "export { buildApp } from '../http/app.ts';"],
    ['server/src/sync/kinds/x.ts', "export type { Context } from '../../trpc/context.ts';"],
    ['server/src/services.ts', "export type { Principal } from './trpc/principal.ts';"],
  ])('refuses in %s: %s', async (file, code) => {
    expect((await messages(file, code, 'no-restricted-imports')).join('\n')).toMatch(
      /imports nothing from trpc\/ or http\//,
    );
  });

  it('still refuses what every server file may not import', async () => {
    expect(
      (
        await messages(
          'server/src/monitoring/x.ts',
          "export * from '../../../agent/src/cli.ts';",
          'no-restricted-imports',
        )
      ).join('\n'),
    ).toMatch(/Programs talk only through shared/);
  });

  it.each([
    ['server/src/trpc/routers/x.ts', "export { addHost } from '../../monitoring/hosts/host-records.ts';"],
    ['server/src/trpc/x.ts', "export { TRPCError } from '@trpc/server';"],
    ['server/src/http/x.ts', "export { authorize } from '../trpc/authorize.ts';"],
    ['server/src/runtime.ts', "export { buildApp } from './http/app.ts';"],
    ['server/src/cli/x.ts', "export { appRouter } from '../trpc/router.ts';"],
    ['server/src/integrations/channels/x.ts', "export * from './http.ts';"],
  ])('allows in %s: %s', async (file, code) => {
    expect(await messages(file, code, 'no-restricted-imports')).toEqual([]);
  });
});
