import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { seedAlert } from '@vigilo/tests/support/alerts';
import { startHost, type Host } from '../src/host/server.ts';
import type { DesktopCore } from '../src/core/desktop-core.ts';
import { openCore, tempDir } from './support/core.ts';

let world: World;
let core: DesktopCore;
let host: Host;
const dir = tempDir();
beforeAll(async () => {
  world = await createWorld();
  await seedAlert(world, 'open');
  core = openCore({
    dataDir: dir.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens.member!,
  }).core;
  await core.engine.syncNow();
  host = await startHost({ core, rendererDir: dir.dir });
});
afterAll(async () => {
  await host?.close();
  await core?.close();
  await world?.close();
  dir.cleanup();
});

const call = (name: string, body: unknown, key = host.key) =>
  fetch(`${host.url}/bridge/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-vigilo-key': key },
    body: JSON.stringify(body),
  });

describe('the bridge over the host', () => {
  it('wants the per-run key', async () => {
    expect((await call('state', {}, 'x'.repeat(host.key.length))).status).toBe(401);
    expect((await call('state', {})).status).toBe(200);
  });

  it('refuses bad input by name and changes nothing', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['act', { kind: 'alert.acknowledge', args: { alertId: 'not-an-id' } }, /alertId must be an alert id/],
      [
        'act',
        { kind: 'alert.snooze', args: { alertId: '6f1c2f0e-0000-4000-8000-000000000001', duration: '9y' } },
        /duration/,
      ],
      [
        'act',
        { kind: 'alert.comment', args: { alertId: '6f1c2f0e-0000-4000-8000-000000000001', body: '   ' } },
        /body must not be empty/,
      ],
      ['act', { kind: 'alert.explode', args: {} }, /kind/],
      ['audit.search', { limit: 0 }, /limit/],
    ];
    for (const [name, body, message] of cases) {
      const res = await call(name, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    expect((await call('no.such.call', {})).status).toBe(404);
    expect(core.store.outbox.depth()).toBe(0);
  });

  it('takes a good action into the outbox and answers with its client id', async () => {
    const [item] = ((await (await call('inbox', {})).json()) as { result: Array<{ id: string }> }).result;
    const res = await call('act', { kind: 'alert.acknowledge', args: { alertId: item!.id } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { clientId: string } }).result.clientId).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });
});
