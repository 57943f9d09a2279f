/**
 * CPU time of processes from /proc (Linux), for CPU per snapshot per process in
 * `npm run bench:ingest`. Clock ticks are 10 ms (USER_HZ 100, as on every Linux this runs on).
 */
import { readdirSync, readFileSync } from 'node:fs';

export const TICK_MS = 10;

/** A process' CPU ms (with its reaped children's when asked) and its parent; undefined once gone. */
function stat(pid: number, reaped = false): { ms: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is [0].
    const f = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const ticks = f[11]! + f[12]! + (reaped ? f[13]! + f[14]! : 0);
    return { ms: ticks * TICK_MS, ppid: f[1]! };
  } catch {
    return undefined;
  }
}

/** CPU ms of one process (0 once gone). */
export function cpuMs(pid: number | undefined): number {
  return pid ? (stat(pid)?.ms ?? 0) : 0;
}

/**
 * CPU ms of a process tree one level deep (a Postgres postmaster: its backends, autovacuum, WAL
 * writer): the root with the children it has reaped, plus each living child. The difference of
 * two samples' sums is the tree's CPU in between, children that came and went included.
 */
export function treeMs(root: number): number {
  let ms = stat(root, true)?.ms ?? 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s?.ppid === root) ms += s.ms;
  }
  return ms;
}
