/** The agent's version, from agent/package.json (sent with every snapshot and push). */
import { readFileSync } from 'node:fs';

// The bundles (agent/scripts/build.ts) replace this name with the version string: the single-file
// executable has no package.json beside it. From the sources it is undefined.
declare const VIGILO_AGENT_VERSION: string | undefined;

function fromPackageJson(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export const AGENT_VERSION: string =
  typeof VIGILO_AGENT_VERSION === 'string' ? VIGILO_AGENT_VERSION : fromPackageJson();
