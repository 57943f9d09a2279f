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
// What every desktop file may not import; each desktop zone below adds its own on top (a later
// config replaces the rule's options for its files rather than merging them).
const desktopProgram = [
  serverExceptRouterType,
  { group: program('agent'), message: crossProgram },
  launcher,
  noTests,
];
const desktopRule = (...zone) => rule([...desktopProgram, ...zone], [bareServer]);
// What every server file may not import; a server zone (build/lint/server.js) adds its own.
const serverProgram = [
  { group: [...program('agent'), ...program('desktop')], message: crossProgram },
  launcher,
  noTests,
];
/** The server's import rule with a zone's patterns on top (a later config replaces, not merges). */
export const serverRule = (...zone) => rule([...serverProgram, ...zone]);

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
    rules: { 'no-restricted-imports': serverRule() },
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
  // Inside the desktop, layers run one way: the shells (main = Electron, host = the headless
  // host for browsers, preload) wrap the core; the renderer talks to the core only through the
  // bridge contract (desktop/src/bridge), which is pure data both sides import.
  {
    files: ['desktop/src/**/*.ts', 'desktop/src/**/*.tsx'],
    rules: { 'no-restricted-imports': desktopRule() },
  },
  {
    files: ['desktop/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': desktopRule({
        group: ['**/host/**', '**/main/**', '**/preload/**', '**/renderer/**'],
        message:
          'The desktop core is plain Node under every shell: it imports nothing from host, main, preload or renderer.',
      }),
    },
  },
  {
    files: ['desktop/src/bridge/**/*.ts'],
    rules: {
      'no-restricted-imports': desktopRule({
        group: [
          'node:*',
          'electron',
          'better-sqlite3',
          '**/core/**',
          '**/host/**',
          '**/main/**',
          '**/renderer/**',
        ],
        message:
          'The bridge contract is pure data that the renderer and the core both import: it imports neither.',
      }),
    },
  },
  {
    files: ['desktop/src/renderer/**/*.ts', 'desktop/src/renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': desktopRule(
        {
          group: ['node:*', 'electron', 'better-sqlite3', '**/main/**', '**/host/**', '**/preload/**'],
          message: 'The renderer has no Node: it asks the desktop core through the bridge.',
        },
        {
          group: ['**/core/**'],
          message:
            'The renderer reaches the core only through the bridge (desktop/src/bridge and its transport).',
        },
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
