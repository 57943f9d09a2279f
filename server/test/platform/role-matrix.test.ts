import { PERMISSIONS, PROCEDURE_ACCESS, type Access } from '@vigilo/shared/roles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../src/trpc/router.ts';
import { apiClient, outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { leaksIn } from './leaks.ts';

/**
 * Walks every procedure × every kind of caller over real HTTP and checks allow/deny against the
 * shared matrix. "Allowed" means the call got past authorization (it may still fail on its empty
 * input); "denied" means FORBIDDEN, UNAUTHORIZED or NOT_FOUND from the guard. Either way the
 * answer is never a 500 and never carries a stack trace or a raw database message (leaks.ts).
 */
const CALLERS = [
  'anonymous',
  'owner',
  'admin',
  'approver',
  'member',
  'viewer',
  'auditor',
  'expired_auditor',
  'outsider',
  'platform',
] as const;
type Caller = (typeof CALLERS)[number];

function expectedAllowed(access: Access, caller: Caller): boolean {
  if (access === 'public') return true;
  if (caller === 'anonymous') return false;
  if (access === 'signed_in') return true;
  if (access === 'platform_admin') return caller === 'platform';
  const role = caller === 'expired_auditor' ? undefined : caller;
  return role !== undefined && (PERMISSIONS[access] as readonly string[]).includes(role);
}

const DENIED = new Set(['FORBIDDEN', 'UNAUTHORIZED', 'NOT_FOUND']);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
);

describe('the role matrix', () => {
  it('covers every procedure of the router, and nothing that is not one', () => {
    const served = procedures.map(([path]) => path).sort();
    expect(served).toEqual(Object.keys(PROCEDURE_ACCESS).sort());
  });

  it.each(
    procedures
      .filter(([, p]) => p._def.type !== 'subscription')
      .map(([path, p]) => [path, p._def.type] as const),
  )('%s allows and denies exactly as the matrix says', async (path, type) => {
    const access = PROCEDURE_ACCESS[path as keyof typeof PROCEDURE_ACCESS] as Access;
    const results: Record<string, string> = {};
    for (const caller of CALLERS) {
      const token = caller === 'anonymous' ? undefined : world.tokens[caller];
      // Deliberately minimal input: only the workspace. Authorization runs before validation.
      const url = `${world.server.url}/trpc/${path}`;
      const body = JSON.stringify({ json: { workspace: 'acme' } });
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const res =
        type === 'query'
          ? await fetch(`${url}?input=${encodeURIComponent(body)}`, { headers })
          : await fetch(url, {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json' },
              body,
            });
      const text = await res.text();
      const json = JSON.parse(text) as { error?: { json: { data: { code: string } } } };
      const code = json.error?.json.data.code ?? 'OK';
      const allowed = !DENIED.has(code);
      const leaks = leaksIn(text);
      results[caller] =
        allowed !== expectedAllowed(access, caller)
          ? `got ${code}`
          : res.status >= 500 || leaks.length > 0
            ? `answered ${res.status} with ${leaks.join(', ') || 'no leak'}`
            : 'as expected';
    }
    expect(results).toEqual(Object.fromEntries(CALLERS.map((c) => [c, 'as expected'])));
  });

  it('denies the live event subscription to non-members (checked through a call that streams)', async () => {
    const res = await fetch(
      `${world.server.url}/trpc/events.live?input=${encodeURIComponent(JSON.stringify({ json: { workspace: 'acme' } }))}`,
      { headers: { authorization: `Bearer ${world.tokens.outsider}`, accept: 'text/event-stream' } },
    );
    const text = await res.text();
    expect(text).toContain('NOT_FOUND');
  });

  it('lets API tokens act with their own role, never above their creator', async () => {
    const admin = world.client('admin');
    expect(
      await outcome(() =>
        admin.apiTokens.create.mutate({ workspace: 'acme', name: 'too high', role: 'owner' }),
      ),
    ).toBe('FORBIDDEN');
    const { token } = await admin.apiTokens.create.mutate({ workspace: 'acme', name: 'ci', role: 'viewer' });
    const asToken = apiClient(world.server.url, token);
    expect(await outcome(() => asToken.workspace.get.query({ workspace: 'acme' }))).toBe('OK');
    expect(
      await outcome(() =>
        asToken.members.add.mutate({ workspace: 'acme', email: 'x@example.test', role: 'viewer' }),
      ),
    ).toBe('FORBIDDEN');
    expect(await outcome(() => asToken.workspace.get.query({ workspace: 'other' }))).toBe('NOT_FOUND');
  });
});
