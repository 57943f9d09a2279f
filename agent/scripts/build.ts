/**
 * Builds the agent for hosts without the repository (README, "Installing the agent"):
 *
 * - `dist/vigilo-agent.js`: one ES module with the agent and the parts of @vigilo/shared it uses.
 *   The npm dependencies stay imports: they are the package's `dependencies`, which npm installs.
 *   The package's bin runs it when there is no src/ beside it; `prepack` builds it.
 * - with `--sea`: `dist/vigilo-agent-linux-x64`, a Node single executable application. Its script
 *   is `dist/sea/vigilo-agent.cjs` with every dependency inlined (such a script can require only
 *   Node's built-in modules, and must be CommonJS on Node 22), injected into a copy of the Node
 *   binary running this build, or of $VIGILO_SEA_NODE.
 *
 * Usage: node --import tsx agent/scripts/build.ts [--sea]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const AGENT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(AGENT, 'dist');
const ENTRY = join(AGENT, 'src/cli/run.ts');
/** The fuse Node's binary carries; postject flips it so the binary looks for its injected blob. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** Pinned: the injector Node's documentation names; fetched by npm into its cache on first use. */
const POSTJECT = 'postject@1.0.0-alpha.6';

const pkg = JSON.parse(readFileSync(join(AGENT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

const common: BuildOptions = {
  entryPoints: [ENTRY],
  bundle: true,
  platform: 'node',
  target: 'node22',
  // @vigilo/shared's exports point at its TypeScript sources under this condition.
  conditions: ['source'],
  define: { VIGILO_AGENT_VERSION: JSON.stringify(pkg.version) },
  legalComments: 'none',
  logLevel: 'warning',
};

export async function buildBundle(): Promise<string> {
  const outfile = join(DIST, 'vigilo-agent.js');
  await build({ ...common, format: 'esm', outfile, external: Object.keys(pkg.dependencies) });
  return outfile;
}

export async function buildSea(
  node: string = process.env.VIGILO_SEA_NODE ?? process.execPath,
): Promise<string> {
  // The executable carries this Node: it must be one the project supports (engines >=22.12).
  const version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    throw new Error(
      `${node} is Node ${version}: build the executable with Node >=22.12 (first on PATH, or VIGILO_SEA_NODE)`,
    );
  }
  const dir = join(DIST, 'sea');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'vigilo-agent.cjs');
  // version.ts reads package.json through import.meta only when no version was defined, which the
  // define above rules out: the warning that import.meta is empty in CommonJS does not apply.
  await build({ ...common, format: 'cjs', outfile: script, logOverride: { 'empty-import-meta': 'silent' } });
  const blob = join(dir, 'vigilo-agent.blob');
  const config = join(dir, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }));
  execFileSync(node, ['--experimental-sea-config', config], { stdio: 'inherit' });
  const out = join(DIST, 'vigilo-agent-linux-x64');
  rmSync(out, { force: true });
  copyFileSync(node, out);
  chmodSync(out, 0o755);
  // postject warns "Can't find string offset for section name '.note…'" on Node's binary, which
  // is harmless (nodejs/postject#83): its output is shown only when it fails.
  const injected = spawnSync(
    'npm',
    [
      'exec',
      '--yes',
      `--package=${POSTJECT}`,
      '--',
      'postject',
      out,
      'NODE_SEA_BLOB',
      blob,
      '--sentinel-fuse',
      SEA_FUSE,
    ],
    { encoding: 'utf8' },
  );
  if (injected.status !== 0) {
    throw new Error(
      `postject failed (${injected.status ?? injected.signal}):\n${injected.stdout}${injected.stderr}`,
    );
  }
  return out;
}

// Progress goes to stderr: as `prepack` this runs inside `npm pack`, whose stdout (--json) is parsed.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stderr.write(`built ${await buildBundle()}\n`);
  if (process.argv.includes('--sea')) {
    if (process.platform !== 'linux' || process.arch !== 'x64')
      throw new Error('--sea builds for Linux x64 only');
    process.stderr.write(`built ${await buildSea()}\n`);
  }
}
