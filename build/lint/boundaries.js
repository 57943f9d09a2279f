// One-way dependencies between the programs, enforced by ESLint's no-restricted-imports.
// shared -> nothing of ours; agent, server, desktop -> shared only (the desktop may take the
// server's router *type*); the renderer -> no Node, no main-process code; product code -> no tests.
// launcher/ (`npm start`) is the one composition root that may import both server and desktop;
// no program imports it.

const program = (name) => [
  `@vigilo/${name}`,
  `@vigilo/${name}/*`,
  `**/${name}/src/**`,
  `../${name}/**`,
  `../../${name}/**`,
];
const noTests = {
  group: ['@vigilo/tests', '@vigilo/tests/*', '**/tests/support/**'],
  message: 'Product code must not import test support.',
};
const crossProgram = 'Programs talk only through shared/ and the network.';
const launcher = {
  group: ['**/launcher/**', '../launcher/**', '../../launcher/**'],
  message: 'No program imports the launcher: it starts the programs, not the other way round.',
};
const rule = (patterns, paths = []) => ['error', { patterns, paths }];
// gitignore semantics cannot re-include a path under an excluded parent, so the bare package
// name goes in `paths` and only its sub-paths in `patterns`, where one can be allowed again.
const serverExceptRouterType = {
  group: [
    '@vigilo/server/*',
    '!@vigilo/server/router-type',
    '**/server/src/**',
    '../server/**',
    '../../server/**',
  ],
  message: 'The desktop may import only the server router type (@vigilo/server/router-type).',
};
const bareServer = { name: '@vigilo/server', message: serverExceptRouterType.message };

/** @type {import('eslint').Linter.Config[]} */
export const boundaries = [
  {
    files: ['shared/src/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        {
          group: [...program('server'), ...program('agent'), ...program('desktop')],
          message: 'shared/ imports no program: move the code into shared/ or keep it in the program.',
        },
        {
          group: ['node:*', 'pg', 'ioredis', 'fastify', 'electron', 'better-sqlite3'],
          message: 'shared/ is pure logic that runs in every program (no Node APIs, no I/O).',
        },
        noTests,
      ]),
    },
  },
  {
    files: ['server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        { group: [...program('agent'), ...program('desktop')], message: crossProgram },
        launcher,
        noTests,
      ]),
    },
  },
  {
    files: ['agent/src/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        { group: [...program('server'), ...program('desktop')], message: crossProgram },
        launcher,
        noTests,
      ]),
    },
  },
  {
    files: ['desktop/src/**/*.ts', 'desktop/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': rule(
        [serverExceptRouterType, { group: program('agent'), message: crossProgram }, launcher, noTests],
        [bareServer],
      ),
    },
  },
  {
    files: ['desktop/src/renderer/**/*.ts', 'desktop/src/renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': rule(
        [
          serverExceptRouterType,
          { group: program('agent'), message: crossProgram },
          {
            group: ['node:*', 'electron', 'better-sqlite3', '**/main/**', '**/core/**', '**/host/**'],
            message: 'The renderer has no Node: it asks the desktop core through the bridge.',
          },
          launcher,
          noTests,
        ],
        [bareServer],
      ),
    },
  },
  {
    files: ['launcher/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([{ group: program('agent'), message: crossProgram }, noTests]),
    },
  },
];
