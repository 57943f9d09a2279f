import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { seedAlert } from '@vigilo/tests/support/alerts';
import { openCore, tempDir } from './support/core.ts';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

/** Runs the child that acts and is then SIGKILLed; resolves with the signal that ended it. */
function runDoomedChild(env: Record<string, string>): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', new URL('./support/kill-child.ts', import.meta.url).pathname],
      { env: { ...process.env, ...env } },
    );
    child.on('exit', (_code, signal) => resolve(signal));
  });
}

async function acknowledgements(alertId: string): Promise<number> {
  const { rows } = await world
    .client('owner')
    .audit.list.query({ workspace: 'acme', filter: { targetId: alertId }, limit: 100 });
  return rows.filter((r) => r.action === 'alert.acknowledged').length;
}

describe('an outbox that survives the app being killed', () => {
  it.each([
    ['before the push', ''],
    ['after the server applied it but before the answer was recorded', '1'],
  ])('killed %s: delivered exactly once after restart', async (_when, killAfterSend) => {
    const alertId = await seedAlert(world, 'open');
    const { dir, cleanup } = tempDir();
    try {
      const signal = await runDoomedChild({
        DATA_DIR: dir,
        SERVER_URL: world.server.url,
        TOKEN: world.tokens.member!,
        ALERT_ID: alertId,
        KILL_AFTER_SEND: killAfterSend,
      });
      expect(signal).toBe('SIGKILL');
      expect(await acknowledgements(alertId)).toBe(killAfterSend ? 1 : 0);

      const { core } = openCore({
        dataDir: dir,
        serverUrl: world.server.url,
        workspace: 'acme',
        token: world.tokens.member!,
      });
      try {
        expect(core.store.outbox.depth()).toBe(1);
        expect(core.store.row('alerts', alertId)).toMatchObject({ ack_note: 'from a doomed process' });
        await core.engine.syncNow();
        expect(core.engine.state()).toMatchObject({ connection: 'online', outboxDepth: 0, conflicts: [] });
        expect(await acknowledgements(alertId)).toBe(1);
      } finally {
        await core.close();
      }
    } finally {
      cleanup();
    }
  });
});
