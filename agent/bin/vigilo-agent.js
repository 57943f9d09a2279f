#!/usr/bin/env node
// The installed `vigilo-agent` command. In the repository it runs the TypeScript sources through
// tsx's loader; installed from the npm package (which carries dist/, not src/) it runs the bundle
// that `npm pack` built (agent/scripts/build.ts), so it needs neither tsx nor the workspace.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/run.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/vigilo-agent.js');
}
