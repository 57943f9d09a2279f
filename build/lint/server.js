// Layers inside the server, enforced by ESLint (each proved by tests/lint-server.test.ts).
//
// Domains: everything under server/src except the doors (trpc/, http/), the composition root
// (runtime.ts) and the CLI holds the rules and the SQL. It imports nothing from the doors: a
// refusal is a domain error (server/src/domain-errors.ts) that each door words its own way, so
// the same function serves a tRPC call, a desktop's outbox entry or a job.
//
// Transactions: server/src/db/tx.ts is the one place that opens one (withWorkspace, withOwnerTx),
// so every transaction shares the same rollback guard and the workspace binding; a hand-written
// 'BEGIN' anywhere else in the server is refused.
import { serverRule } from './boundaries.js';

const TX_MESSAGE =
  'Open transactions only through server/src/db/tx.ts (withWorkspace for request work, withOwnerTx for system paths).';
// A statement that starts a transaction, in any letter case, as a string or the head of a template.
const TX_START = String.raw`/^\s*(BEGIN|START\s+TRANSACTION)\b/i`;

/** @type {import('eslint').Linter.Config[]} */
export const serverLayers = [
  {
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/trpc/**', 'server/src/http/**', 'server/src/runtime.ts', 'server/src/cli/**'],
    rules: {
      'no-restricted-imports': serverRule({
        group: ['**/trpc/**', '**/http/**', '@trpc/*'],
        message:
          'Server domain code imports nothing from trpc/ or http/ (nor tRPC itself): refuse with an ActionRefused from server/src/domain-errors.ts.',
      }),
    },
  },
  {
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/db/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: `Literal[value=${TX_START}]`, message: TX_MESSAGE },
        {
          selector: `TemplateLiteral > TemplateElement:first-child[value.raw=${TX_START}]`,
          message: TX_MESSAGE,
        },
      ],
    },
  },
];
