import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/pool.ts';
import { addDemoHosts } from '../../src/embedded/demo-hosts.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { bootstrapFirstRun } from '../../src/platform/bootstrap.ts';
import { readPublicStatusPage } from '../../src/reliability/status-pages-public.ts';
import { renderStatusPage } from '../../src/reliability/status-pages-render.ts';
import { createMigratedDatabase } from '@vigilo/tests/support/database';

/**
 * The first-run demo comes with its public status page at /status/demo: one component per demo
 * host under a public name, read as the public handler reads it (the directory on the owner pool,
 * the rest as vigilo_app bound to the demo workspace), without the demo's hostname or tags.
 */
let db: Awaited<ReturnType<typeof createMigratedDatabase>>;
let home: string;
const NOW = new Date('2026-11-30T12:00:00Z');

beforeAll(async () => {
  db = await createMigratedDatabase('demo-status');
  home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-demo-status-'));
  await bootstrapFirstRun(db.pool, { issuer: 'http://127.0.0.1:1/oidc', home });
}, 60_000);
afterAll(async () => {
  await db?.close();
  await rm(home, { recursive: true, force: true });
});

it('the demo workspace has a public status page naming its endpoints publicly', async () => {
  await addDemoHosts(
    db.pool,
    home,
    [
      { kind: 'good', port: 7441 },
      { kind: 'expiring', port: 7442 },
      { kind: 'weak-tls', port: 7443 },
      { kind: 'wrong-name', port: 7444 },
    ],
    NOW,
  );
  const both = await openDatabase({
    ownerUrl: db.database.url,
    poolSize: 2,
    applicationName: 'demo-status-test',
    log: createLogger('silent'),
  });
  try {
    const page = await readPublicStatusPage(both, 'demo', NOW);
    expect(page?.title).toBe('Demo status');
    expect(page?.components.map((c) => [c.name, c.state])).toEqual([
      ['Website', 'no_data'],
      ['Checkout', 'no_data'],
      ['Legacy API', 'no_data'],
      ['Partner portal', 'no_data'],
    ]);
    const html = renderStatusPage(page!, '/status/demo');
    expect(html).not.toMatch(/localhost|demo-good|demo-expiring/);
  } finally {
    await both.end();
  }
});
