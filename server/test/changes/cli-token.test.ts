import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { runTokenCommand } from '../../src/cli/tokens.ts';
import { inAcme, userId } from './support.ts';

const run = promisify(execFile);
let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const add = (...args: string[]) => {
  const lines: string[] = [];
  return runTokenCommand(world.server.services.db.owner, ['add', ...args], (l) => lines.push(l)).then(
    (code) => ({
      code,
      lines,
    }),
  );
};

describe('vigilo token add', () => {
  it('mints a token for a member, printed once, acting for them with the role asked', async () => {
    const { code, lines } = await add(
      '--workspace',
      'acme',
      '--email',
      'member@example.test',
      '--role',
      'member',
      '--name',
      'deploy bot',
    );
    expect(code).toBe(0);
    const token = lines.at(-1)!;
    expect(token).toMatch(/^vgl_/);
    expect(lines.join('\n')).toMatch(/shown only this once/);
    const bot = apiClient(world.server.url, token);
    const change = await bot.changes.create.mutate({ workspace: 'acme', title: 'raised by automation' });
    // The token acts for its member: the change is theirs.
    expect(change.requesterId).toBe(await userId(world, 'member'));
    expect(
      await outcome(() => bot.approvalPolicies.create.mutate({ workspace: 'acme', name: 'no', steps: [] })),
    ).toBe('FORBIDDEN');
    const { rows } = await inAcme(world, (q) =>
      q<{ prefix: string; created_by: string; role: string; secret: boolean }>(
        "SELECT prefix, created_by, role, token_hash = convert_to($1, 'UTF8') AS secret FROM api_tokens WHERE name = $2",
        [token, 'deploy bot'],
      ),
    );
    expect(rows).toEqual([
      {
        prefix: token.slice(0, 12),
        created_by: await userId(world, 'member'),
        role: 'member',
        secret: false,
      },
    ]);
    const audit = await inAcme(world, (q) =>
      q<{ actor: string }>(
        "SELECT actor_type || ':' || actor_id AS actor FROM audit_events WHERE action = 'api_token.created'",
      ),
    );
    expect(audit.rows.map((r) => r.actor)).toContain('system:cli');
  });

  it('refuses a role above the member’s, a non-member, and a missing name, minting nothing', async () => {
    const count = async () =>
      (await inAcme(world, (q) => q<{ n: number }>('SELECT count(*)::int AS n FROM api_tokens'))).rows[0]!.n;
    const before = await count();
    await expect(
      add('--workspace', 'acme', '--email', 'member@example.test', '--role', 'admin', '--name', 'too high'),
    ).rejects.toThrow(/higher role \(admin\) than yours \(member\)/);
    await expect(
      add('--workspace', 'acme', '--email', 'outsider@example.test', '--role', 'viewer', '--name', 'x'),
    ).rejects.toThrow(/not a member of acme/);
    await expect(
      add('--workspace', 'acme', '--email', 'member@example.test', '--role', 'viewer'),
    ).rejects.toThrow(/--name is required/);
    await expect(
      add('--workspace', 'nowhere', '--email', 'member@example.test', '--role', 'viewer', '--name', 'x'),
    ).rejects.toThrow(/no workspace "nowhere"/);
    expect(await count()).toBe(before);
  });

  it('is what `npm run vigilo -- token add` runs', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/src/cli/main.ts',
        'token',
        'add',
        '--workspace',
        'acme',
        '--email',
        'approver@example.test',
        '--role',
        'approver',
        '--name',
        'ci',
      ],
      {
        env: { ...process.env, DATABASE_URL: world.server.database.url, VIGILO_LOG_LEVEL: 'silent' },
        timeout: 60_000,
      },
    );
    const token = stdout.trim().split('\n').at(-1)!;
    expect(
      await outcome(() => apiClient(world.server.url, token).approvals.mine.query({ workspace: 'acme' })),
    ).toBe('OK');
  }, 90_000);
});
