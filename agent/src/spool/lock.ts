/**
 * One process per spool: a lock file holding the owner's pid. A lock whose pid is gone (the
 * owner was killed with -9) is stale and taken over, so a restart after a crash just works.
 */
import { open, readFile, rm } from 'node:fs/promises';

export interface Lock {
  release(): Promise<void>;
}

export class SpoolLockedError extends Error {
  override readonly name = 'SpoolLockedError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Takes the lock at `path`, or throws SpoolLockedError naming the live owner. */
export async function acquireLock(path: string): Promise<Lock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.sync();
      await fh.close();
      return { release: () => rm(path, { force: true }) };
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && alive(owner)) {
        throw new SpoolLockedError(`spool ${path} is held by running process ${owner}`);
      }
      await rm(path, { force: true }); // stale: its owner died without releasing it
    }
  }
  throw new SpoolLockedError(`could not take the spool lock ${path}`);
}
