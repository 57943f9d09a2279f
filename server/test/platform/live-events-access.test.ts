import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Dispatcher, startDispatcher } from '../../src/events/dispatcher.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { apiClient } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { endCode, liveStream, type LiveStream, until, wsApi } from '@vigilo/tests/support/ws';

// Live events are shown by the rule sync applies to the rows they describe, by the subscriber's
// role at delivery, and a stream ends when its subscriber's access does (issue 10, finding 3).

let world: World;
let dispatcher: Dispatcher;
const sockets: Array<ReturnType<typeof wsApi>> = [];
const acme = { workspace: 'acme' };

beforeAll(async () => {
  world = await createWorld();
  dispatcher = startDispatcher({
    owner: world.server.services.db.owner,
    bus: world.server.services.bus,
    log: createLogger('silent'),
    autoStart: false,
  });
});
beforeEach(async () => {
  await dispatcher.runOnce(); // the history so far, before anyone listens
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await world?.close();
});

/** Opens a socket with `token` and subscribes to acme's live events on it. */
async function subscribe(token: string): Promise<LiveStream> {
  const socket = wsApi(world.server.url, token);
  sockets.push(socket);
  const stream = liveStream(socket.api, 'acme');
  await stream.started;
  return stream;
}

/** Renames the workspace: an event everyone with `read` may see, used as a marker. */
async function marker(name: string): Promise<void> {
  await world.client('owner').workspace.update.mutate({ ...acme, name });
}

const types = (s: LiveStream) => s.events.map((e) => e.type);

describe('live events by role', () => {
  it('does not show a viewer the admin-only events sync.pull hides from them', async () => {
    const viewer = await subscribe(world.tokens.viewer!);
    const admin = await subscribe(world.tokens.admin!);
    const adminApi = world.client('admin');
    await adminApi.apiTokens.create.mutate({ ...acme, name: 'ci', role: 'viewer' });
    await adminApi.agents.createEnrollmentToken.mutate({ ...acme, name: 'rack 1' });
    // A channel row made directly (creating one goes through the outbound URL policy, not tested
    // here), then updated through the API for its channel.updated event.
    const { rows } = await world.server.services.db.owner.query<{ id: string }>(
      `INSERT INTO channels (workspace_id, name, type, config, event_types)
       VALUES ($1, 'ops', 'webhook', '{"url":"https://hooks.example.test/x"}', '{*}') RETURNING id`,
      [world.workspace.id],
    );
    await adminApi.channels.update.mutate({ ...acme, id: rows[0]!.id, enabled: false });
    await marker('after the admin changes');
    await dispatcher.runOnce();
    await until(() => types(viewer).includes('workspace.updated'), "the viewer's marker");
    await until(() => types(admin).includes('workspace.updated'), "the admin's marker");
    viewer.stop();
    admin.stop();

    expect(types(viewer)).toEqual(['workspace.updated']);
    // The admin sees them all, also those about rows sync does not replicate (API and enrollment
    // tokens), by the permission that lists those rows.
    expect(types(admin)).toEqual([
      'api_token.created',
      'enrollment_token.created',
      'channel.updated',
      'workspace.updated',
    ]);
  });
});

describe('a live stream ends with its access', () => {
  it('ends for a removed member, who receives nothing after', async () => {
    const stream = await subscribe(world.tokens.member!);
    await marker('before the removal');
    await dispatcher.runOnce();
    await until(() => stream.events.length === 1, 'the first marker');

    await world.client('owner').members.remove.mutate({ ...acme, email: 'member@example.test' });
    await marker('after the removal');
    await dispatcher.runOnce();
    expect(await endCode(stream)).toBe('NOT_FOUND');
    expect(stream.events.map((e) => (e.payload as { name?: string }).name)).toEqual(['before the removal']);
  });

  it('ends for a member lowered below read (to auditor)', async () => {
    const stream = await subscribe(world.tokens.approver!);
    await world.client('owner').members.setRole.mutate({
      ...acme,
      email: 'approver@example.test',
      role: 'auditor',
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    await marker('after the demotion');
    await dispatcher.runOnce();
    expect(await endCode(stream)).toBe('FORBIDDEN');
    expect(stream.events).toEqual([]);
  });

  it('ends for a revoked API token', async () => {
    const { id, token } = await world.client('admin').apiTokens.create.mutate({
      ...acme,
      name: 'live',
      role: 'viewer',
    });
    const stream = await subscribe(token);
    await world.client('admin').apiTokens.revoke.mutate({ ...acme, id });
    await marker('after the revocation');
    await dispatcher.runOnce();
    expect(await endCode(stream)).toBe('UNAUTHORIZED');
    expect(stream.events).toEqual([]);
    // And HTTP agrees.
    await expect(apiClient(world.server.url, token).workspace.get.query(acme)).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });
});
