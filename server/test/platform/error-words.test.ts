import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../src/trpc/router.ts';
import { issuesInWords } from '../../src/trpc/error-words.ts';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { type ProviderServer, startProviderServer } from '@vigilo/tests/support/provider-server';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { leaksIn } from './leaks.ts';

/**
 * Every error answer says in words what was wrong and never carries a stack trace: the role
 * matrix's refusals (every procedure × every kind of caller, with only a workspace as input, so
 * most admitted calls are refused for their missing fields), and the plain HTTP doors: the agent
 * API, unknown routes, unreadable bodies, the audit export and the built-in provider's pages.
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

type TrpcError = { message: string; data: { code: string; fieldErrors?: Record<string, string> } };

let world: World;
let agent: TestAgent;
let idp: ProviderServer;
beforeAll(async () => {
  [world, idp] = await Promise.all([createWorld(), startProviderServer()]);
  agent = await enrollAgent(world, 'words');
});
afterAll(async () => {
  await Promise.all([world?.close(), idp?.close()]);
});

/** What is wrong with one tRPC error answer, or nothing. */
function judge(text: string): string | undefined {
  const leaks = leaksIn(text);
  if (leaks.length) return `leaks ${leaks.join(', ')}`;
  const error = (JSON.parse(text) as { error?: { json: TrpcError } }).error?.json;
  if (!error) return undefined;
  const { message, data } = error;
  if (typeof message !== 'string' || message.trim() === '') return 'no message';
  if (/^\s*[[{]/.test(message) || message.includes('"code"'))
    return `message is JSON: ${message.slice(0, 80)}`;
  if (data.code === 'BAD_REQUEST' && data.fieldErrors) {
    const fields = Object.keys(data.fieldErrors).filter((f) => f !== '(input)');
    const named = fields.some((f) => message.includes(f) || message.includes(f.split('.').at(-1) ?? f));
    if (fields.length > 0 && !named) return `names no field of ${fields.join(', ')}: ${message}`;
  }
  return undefined;
}

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
)
  .filter(([, p]) => p._def.type !== 'subscription')
  .map(([path, p]) => [path, p._def.type] as const);

describe('error answers in words, without stacks', () => {
  it('over the role matrix’s refusals', async () => {
    const problems: string[] = [];
    let refusals = 0;
    for (const [path, type] of procedures) {
      const answers = await Promise.all(
        CALLERS.map(async (caller) => {
          const token = caller === 'anonymous' ? undefined : world.tokens[caller];
          const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
          const body = JSON.stringify({ json: { workspace: 'acme' } });
          const url = `${world.server.url}/trpc/${path}`;
          const res =
            type === 'query'
              ? await fetch(`${url}?input=${encodeURIComponent(body)}`, { headers })
              : await fetch(url, {
                  method: 'POST',
                  headers: { ...headers, 'content-type': 'application/json' },
                  body,
                });
          return { caller, status: res.status, text: await res.text() };
        }),
      );
      for (const a of answers) {
        if (a.status >= 400) refusals += 1;
        const problem = a.status >= 500 ? `answered ${a.status}` : judge(a.text);
        if (problem) problems.push(`${path} as ${a.caller}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    // The sweep saw refusals of every kind, not only successes.
    expect(refusals).toBeGreaterThan(procedures.length * 5);
  }, 300_000);

  it('names the field of a bad hostname in words, with the field in fieldErrors', async () => {
    const err = await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname: 'https://bad host/', port: 70_000 })
      .then(
        () => undefined,
        (e: unknown) => e as { message: string; data?: { fieldErrors?: Record<string, string> } },
      );
    expect(err?.message).toMatch(/hostname/);
    expect(err?.message).toMatch(/port/);
    expect(err?.message).not.toMatch(/^\s*\[/);
    expect(Object.keys(err?.data?.fieldErrors ?? {})).toEqual(expect.arrayContaining(['hostname', 'port']));
  });

  it('says zod issues as sentences naming each field', () => {
    expect(
      issuesInWords([
        { path: ['hostname'], message: 'must be a host name' },
        { path: ['name'], message: 'name must not be empty' },
        { path: ['port'], message: 'Invalid input: expected number, received undefined' },
        { path: ['predicate', 'days'], message: 'Too big: expected number to be <=3650' },
        { path: [], message: 'from must not be after to' },
      ]),
    ).toBe('hostname: must be a host name; name must not be empty; port: is required; and 2 more');
    expect(issuesInWords([{ path: ['predicate', 'days'], message: 'Too big' }])).toBe(
      'predicate.days: Too big',
    );
  });

  it('on the plain HTTP doors: agent API, unknown routes, bad bodies, the audit export, the provider', async () => {
    const url = world.server.url;
    const answers: Array<[string, Response]> = [
      ['agent push without a token', await fetch(`${url}${AGENT_PATHS.snapshots}`, { method: 'POST' })],
      [
        'agent push with an unknown token',
        await fetch(`${url}${AGENT_PATHS.snapshots}`, {
          method: 'POST',
          headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
          body: '{}',
        }),
      ],
      [
        'agent push that is not JSON',
        await fetch(`${url}${AGENT_PATHS.snapshots}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
          body: '{"snapshots": [',
        }),
      ],
      [
        'agent push of the wrong shape',
        await fetch(`${url}${AGENT_PATHS.snapshots}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ batch_id: 'x', snapshots: [{ id: 1 }] }),
        }),
      ],
      [
        'enrollment with a bad token',
        await fetch(`${url}${AGENT_PATHS.enroll}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: 'x', name: '', agent_version: 1 }),
        }),
      ],
      ['an unknown route', await fetch(`${url}/no/such/page`)],
      [
        'a tRPC body that is not JSON',
        await fetch(`${url}/trpc/hosts.add`, {
          method: 'POST',
          headers: { authorization: `Bearer ${world.tokens.admin}`, 'content-type': 'application/json' },
          body: '{"json": ',
        }),
      ],
      ['an unknown procedure', await fetch(`${url}/trpc/nothing.here`)],
      [
        'an audit export with a bad date',
        await fetch(`${url}/api/workspaces/acme/audit/export?from=yesterday`, {
          headers: { authorization: `Bearer ${world.tokens.owner}` },
        }),
      ],
      ['the provider’s authorization without parameters', await fetch(`${idp.issuer}/auth`)],
      [
        'the provider’s token endpoint with garbage',
        await fetch(`${idp.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=nonsense&code=%00',
        }),
      ],
      ['an unknown sign-in interaction', await fetch(`${idp.issuer}/interaction/nope`)],
    ];
    const problems: string[] = [];
    for (const [what, res] of answers) {
      const text = await res.text();
      if (res.status < 400) problems.push(`${what}: not refused (${res.status})`);
      if (res.status >= 500) problems.push(`${what}: ${res.status}`);
      const leaks = leaksIn(text);
      if (leaks.length) problems.push(`${what}: leaks ${leaks.join(', ')}: ${text.slice(0, 200)}`);
      // Some words about what was wrong: a JSON error message or a page's text, not an empty body.
      if (text.replace(/<[^>]*>/g, '').trim().length < 10) problems.push(`${what}: says nothing (${text})`);
    }
    expect(problems).toEqual([]);
  });
});
