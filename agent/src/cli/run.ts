/** Runs the CLI with this process's arguments: the entry point of the launcher and of both bundles. */
import { main } from './main.ts';

// No top-level await: the single-file executable's bundle is CommonJS. A thrown error stays an
// unhandled rejection, which prints its stack and exits 1 as before.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
