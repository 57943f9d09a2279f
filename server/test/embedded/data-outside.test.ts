import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/embedded/postgres.ts';
import { createLogger } from '../../src/observability/logger.ts';

/**
 * Run as root from a folder only root can enter (a clone under /root), the embedded Postgres,
 * which runs as an unprivileged user, keeps its cluster in a folder that user owns outside the
 * tree, says where, and finds it again on the next start. Only meaningful as root (CI is).
 */
const asRoot = process.getuid?.() === 0;
let parent: string | undefined;

afterAll(async () => {
  if (parent) await rm(parent, { recursive: true, force: true });
});

describe.runIf(asRoot)('the embedded cluster of a data folder Postgres cannot enter', () => {
  it('lives in a folder the postgres user owns, named in vigilo.json, and starts again from it', async () => {
    parent = await mkdtemp(path.join(os.tmpdir(), 'vigilo-closed-'));
    // The parent stands for / : open to all; `closed` is /root, `outside` is /var/lib/vigilo.
    await chmod(parent, 0o755);
    const closed = path.join(parent, 'root-only');
    const outside = path.join(parent, 'outside');
    await mkdir(closed, { mode: 0o700 });
    await chmod(closed, 0o700);
    const home = path.join(closed, '.vigilo');
    const logged: string[] = [];
    const log = createLogger('info', {
      write: (line: string) => void logged.push(line),
    });

    const first = await startEmbeddedPostgres(home, log, { outsideBase: outside });
    let dataDir: string | undefined;
    try {
      const state = JSON.parse(await readFile(path.join(home, 'vigilo.json'), 'utf8')) as {
        postgres: { dataDir?: string };
      };
      dataDir = state.postgres.dataDir;
      expect(dataDir?.startsWith(`${outside}/data-`)).toBe(true);
      // The cluster's files are there, owned by the user Postgres runs as, not root.
      const owner = (await stat(path.join(dataDir ?? '', 'PG_VERSION'))).uid;
      expect(owner).not.toBe(0);
      // The password and state stay in the closed folder, root's.
      expect((await stat(path.join(home, 'pg-password'))).uid).toBe(0);
      expect(logged.join('\n')).toContain(`keeps its files in ${dataDir}`);
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query('CREATE TABLE kept (n int)');
      await client.end();
    } finally {
      await first.stop();
    }

    // The next start finds the same cluster through vigilo.json.
    const second = await startEmbeddedPostgres(home, createLogger('silent'), { outsideBase: outside });
    try {
      const client = new pg.Client({ connectionString: second.url });
      await client.connect();
      const { rows } = await client.query<{ n: string }>("SELECT to_regclass('kept')::text AS n");
      await client.end();
      expect(rows[0]?.n).toBe('kept');
    } finally {
      await second.stop();
    }
  }, 120_000);
});
