/**
 * Small CLI helpers: usage errors, reading target lists, and a progress line that only shows on
 * a terminal (a pipe gets clean output).
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** A mistake in the command line: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Lines of a target list: blank lines and `#` comments ignored, several targets per line allowed. */
export function targetsFromText(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .flatMap((l) => (l ? l.split(/[\s,]+/) : []));
}

/** Reads targets from a file, or from stdin when the name is "-". */
export async function readTargetFile(name: string): Promise<string[]> {
  if (name !== '-') return targetsFromText(await readFile(name, 'utf8'));
  const lines: string[] = [];
  for await (const line of createInterface({ input: process.stdin })) lines.push(line);
  return targetsFromText(lines.join('\n'));
}

export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** "[12/200] host:port" on one rewritten line, only when stderr is a TTY. */
export function progress(total: number): { tick(label: string): void; done(): void } {
  const tty = process.stderr.isTTY;
  let n = 0;
  return {
    tick(label) {
      n++;
      if (tty) process.stderr.write(`\r\x1b[2K[${n}/${total}] ${label}`);
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}
