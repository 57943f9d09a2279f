/** The agent's version, from agent/package.json (sent with every snapshot and push). */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
export const AGENT_VERSION: string = pkg.version;
