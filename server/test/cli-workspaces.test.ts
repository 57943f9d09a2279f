import { DEFAULT_ALERT_RULES } from '@vigilo/shared/default-alert-rules';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedDatabase } from '@vigilo/tests/support/database';
import { runWorkspaceCommand } from '../src/cli/workspaces.ts';
import { withWorkspace } from '../src/db/tx.ts';
import { createLocalAccount } from '../src/identity/local-accounts.ts';
import { inviteMember } from '../src/workspaces/members.ts';

/**
 * `vigilo workspace …` / `vigilo member …` write through the same domain functions as the API
 * (workspaces/create.ts, workspaces/members.ts) in one owner transaction each, attributed to the
 * CLI, and answer a refusal in one plain line. `member add` adds directly (members.add invites).
 */
const ISSUER = 'http://127.0.0.1:1/oidc';
let db: Awaited<ReturnType<typeof createMigratedDatabase>>;
let pool: pg.Pool;

async function run(...argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await runWorkspaceCommand(pool, ISSUER, argv, (line) => out.push(line));
  return { code, out };
}

beforeAll(async () => {
  db = await createMigratedDatabase('cli');
  pool = db.pool;
  for (const [email, name] of [
    ['ada@example.com', 'Ada'],
    ['bob@example.com', 'Bob'],
  ] as const)
    await createLocalAccount(pool, { email, name, password: 'correct horse battery' });
});
afterAll(async () => {
  await db?.close();
});

describe('vigilo workspace / member', () => {
  it('creates a workspace owned by a local account, recorded as the CLI, and lists it', async () => {
    expect(
      await run('workspace', 'add', '--slug', 'acme', '--name', 'Acme', '--owner', 'ada@example.com'),
    ).toEqual({
      code: 0,
      out: ['created workspace acme owned by ada@example.com'],
    });
    expect((await run('workspace', 'list')).out).toEqual(['acme\tAcme\t1 member(s)']);
    const { rows } = await pool.query<{ action: string; actor_type: string; actor_id: string }>(
      `SELECT a.action, a.actor_type, a.actor_id FROM audit_events a JOIN workspaces w ON w.id = a.workspace_id
       WHERE w.slug = 'acme' ORDER BY a.seq`,
    );
    // The workspace, then its default alert rules, all recorded as the CLI.
    expect(rows).toEqual([
      { action: 'workspace.created', actor_type: 'system', actor_id: 'cli' },
      ...DEFAULT_ALERT_RULES.map(() => ({
        action: 'alert_rule.created',
        actor_type: 'system',
        actor_id: 'cli',
      })),
    ]);
  });

  it('refuses a taken slug in words, and changes nothing', async () => {
    await expect(
      run('workspace', 'add', '--slug', 'acme', '--name', 'Other', '--owner', 'bob@example.com'),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: 'the workspace slug "acme" is taken' });
    expect((await run('workspace', 'list')).out).toEqual(['acme\tAcme\t1 member(s)']);
  });

  it('adds a member once, with its audit row, and refuses the second time and an unknown email', async () => {
    expect(
      await run('member', 'add', '--workspace', 'acme', '--email', 'bob@example.com', '--role', 'viewer'),
    ).toEqual({
      code: 0,
      out: ['added bob@example.com to acme as viewer'],
    });
    await expect(
      run('member', 'add', '--workspace', 'acme', '--email', 'bob@example.com', '--role', 'admin'),
    ).rejects.toMatchObject({ message: 'bob@example.com is already a member of acme' });
    await expect(
      run('member', 'add', '--workspace', 'acme', '--email', 'nobody@example.com', '--role', 'viewer'),
    ).rejects.toMatchObject({ message: /no user or local account with email nobody@example.com/ });
    // The summary is stored as canonical JSON text: the audit chain hashes those bytes.
    const { rows } = await pool.query<{ action: string; summary: unknown }>(
      `SELECT a.action, a.summary FROM audit_events a JOIN workspaces w ON w.id = a.workspace_id
       WHERE w.slug = 'acme' AND a.action = 'member.added'`,
    );
    expect(rows).toEqual([
      { action: 'member.added', summary: '{"after":{"expiresAt":null,"role":"viewer"}}' },
    ]);
    expect((await run('workspace', 'list')).out).toEqual(['acme\tAcme\t2 member(s)']);
  });

  it('adds directly, as the operator it is, and closes an invitation of the email an admin made', async () => {
    const cy = await createLocalAccount(pool, {
      email: 'cy@example.com',
      name: 'Cy',
      password: 'correct horse battery',
    });
    const { rows: ws } = await pool.query<{ id: string }>("SELECT id FROM workspaces WHERE slug = 'acme'");
    const invited = await withWorkspace(
      pool,
      ws[0]!.id,
      { actor: { type: 'system', id: 'test' }, requestId: undefined },
      (tx) => inviteMember(tx, 'owner', cy.email, { role: 'member' }, new Date()),
    );
    expect(invited).toEqual({ email: 'cy@example.com', role: 'member', status: 'invited' });
    expect(
      await run('member', 'add', '--workspace', 'acme', '--email', 'Cy@Example.com', '--role', 'viewer'),
    ).toEqual({ code: 0, out: ['added Cy@Example.com to acme as viewer'] });
    expect(
      (await pool.query("SELECT 1 FROM invitations WHERE lower(email) = 'cy@example.com'")).rowCount,
    ).toBe(0);
    const { rows } = await pool.query<{ summary: string; target_type: string }>(
      `SELECT a.summary, a.target_type FROM audit_events a JOIN workspaces w ON w.id = a.workspace_id
       WHERE w.slug = 'acme' AND a.action LIKE 'member.%' ORDER BY a.seq DESC LIMIT 2`,
    );
    const [added, invitation] = rows;
    expect(invitation?.target_type).toBe('invitation');
    expect(JSON.parse(added!.summary)).toMatchObject({
      after: { role: 'viewer' },
      invitation: expect.any(String),
    });
  });
});
