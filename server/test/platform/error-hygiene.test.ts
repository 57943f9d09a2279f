import { randomUUID } from 'node:crypto';
import { PERMISSIONS, PROCEDURE_ACCESS, type Access } from '@vigilo/shared/roles';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../src/trpc/router.ts';
import { enrollAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { leaksIn } from './leaks.ts';

/**
 * Every procedure of the role matrix, called by every kind of caller with malformed inputs: NUL
 * characters in each string (values and keys), dates Postgres cannot store, numbers past int4,
 * unknown ids, inputs of the wrong shape. None may answer 500, none may carry a stack trace or a
 * raw database message, and a caller the matrix admits gets a typed 400 for what is malformed.
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

function admitted(access: Access, caller: Caller): boolean {
  if (access === 'public') return true;
  if (caller === 'anonymous') return false;
  if (access === 'signed_in') return true;
  if (access === 'platform_admin') return caller === 'platform';
  if (caller === 'expired_auditor') return false;
  return (PERMISSIONS[access] as readonly string[]).includes(caller);
}

const DATE_KEYS = new Set(['from', 'to', 'until', 'startsAt', 'endsAt', 'expiresAt', 'openedAt']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Ids = { hostId: string; otherHostId: string; agentId: string; ruleId: string; alertId: string };
/** A plausible input per procedure; each variant below breaks one thing in it. */
function bases(ids: Ids): Record<string, Record<string, unknown>> {
  const ws = { workspace: 'acme' };
  const day = 86_400_000;
  return {
    'workspace.create': { slug: 'fresh', name: 'Fresh' },
    'workspace.get': ws,
    'workspace.update': { ...ws, name: 'Acme', settings: { theme: 'dark' } },
    'members.list': ws,
    'members.add': {
      ...ws,
      email: 'new@example.test',
      role: 'auditor',
      expiresAt: new Date(Date.now() + day),
    },
    'members.setRole': { ...ws, email: 'member@example.test', role: 'member' },
    'members.remove': { ...ws, email: 'nobody@example.test' },
    'apiTokens.list': ws,
    'apiTokens.create': { ...ws, name: 'ci', role: 'viewer', expiresAt: new Date(Date.now() + day) },
    'apiTokens.revoke': { ...ws, id: ids.hostId },
    'audit.list': {
      ...ws,
      filter: { actorId: 'x', targetType: 'host', targetId: 'y', from: new Date(0), to: new Date() },
      cursor: 10,
    },
    'audit.verify': ws,
    'channels.list': ws,
    'channels.create': {
      ...ws,
      name: 'hook',
      type: 'webhook',
      config: { url: 'http://127.0.0.1:9/x' },
      eventTypes: ['alert.*'],
    },
    'channels.update': { ...ws, id: ids.hostId, name: 'renamed', eventTypes: ['*'] },
    'channels.remove': { ...ws, id: ids.hostId },
    'channels.deliveries': { ...ws, id: ids.hostId, limit: 10 },
    'channels.test': { ...ws, id: randomUUID() },
    'agents.list': ws,
    'agents.createEnrollmentToken': { ...ws, name: 'dc2', ttlHours: 1 },
    'agents.revoke': { ...ws, id: ids.hostId },
    'agents.setDefault': { ...ws, agentId: ids.agentId },
    'hosts.move': { ...ws, hostIds: [ids.hostId], toAgentId: ids.agentId },
    'hosts.list': { ...ws, tag: 'prod', search: 'svc' },
    'hosts.add': { ...ws, hostname: 'new.example.internal', port: 443, tags: ['prod'], agentId: ids.agentId },
    'hosts.update': { ...ws, id: ids.hostId, tags: ['prod', 'edge'], agentId: ids.agentId },
    'hosts.setActive': { ...ws, id: ids.hostId, active: true },
    'hosts.history': { ...ws, hostId: ids.hostId, days: 7 },
    'hosts.remove': { ...ws, id: randomUUID() },
    'hosts.import': {
      ...ws,
      format: 'csv',
      content: 'hostname,port\nimported.example.internal,443\n',
      defaults: { agentId: ids.agentId, tags: ['imp'] },
      dryRun: true,
    },
    'alertRules.list': ws,
    'alertRules.create': {
      ...ws,
      name: 'r2',
      predicate: { kind: 'expires_within', days: 10 },
      severity: 'info',
    },
    'alertRules.update': { ...ws, id: ids.ruleId, name: 'expiring', severity: 'critical' },
    'alertRules.remove': { ...ws, id: randomUUID() },
    'alertRules.preview': {
      ...ws,
      predicate: { kind: 'chain_invalid' },
      scope: { kind: 'tag', tag: 'prod' },
    },
    'alerts.list': {
      ...ws,
      tag: 'prod',
      from: new Date(0),
      to: new Date(),
      cursor: { openedAt: new Date(), id: ids.alertId },
    },
    'alerts.acknowledge': { ...ws, id: ids.alertId, note: 'looking' },
    'alerts.resolve': { ...ws, id: ids.alertId, note: 'fixed' },
    'alerts.comment': { ...ws, id: ids.alertId, commentId: randomUUID(), body: 'hello' },
    'alerts.comments': { ...ws, id: ids.alertId },
    'alerts.snooze': { ...ws, hostId: ids.hostId, until: new Date(Date.now() + day), reason: 'maint' },
    'maintenance.list': { ...ws, ended: true },
    'maintenance.update': {
      ...ws,
      id: randomUUID(),
      name: 'window',
      tags: ['prod'],
      startsAt: new Date(Date.now() + day),
      endsAt: new Date(Date.now() + 2 * day),
    },
    'maintenance.cancel': { ...ws, id: randomUUID() },
    'snoozes.list': ws,
    'snoozes.lift': { ...ws, id: randomUUID() },
    'alerts.scheduleMaintenance': {
      ...ws,
      name: 'window',
      hostIds: [ids.hostId],
      tags: ['prod'],
      startsAt: new Date(Date.now() + day),
      endsAt: new Date(Date.now() + 2 * day),
    },
    'certificates.inventory': { ...ws, issuer: 'CA', keyAlgorithm: 'RSA', minHosts: 1 },
    'sync.pull': { ...ws, cursor: 0, limit: 10 },
    'sync.audit': { ...ws, afterSeq: 0, limit: 10 },
    'sync.push': {
      ...ws,
      mutations: [
        {
          clientId: randomUUID(),
          kind: 'alert.comment',
          args: { alertId: ids.alertId, commentId: randomUUID(), body: 'hi' },
        },
        { clientId: randomUUID(), kind: 'workspace.rename', args: { name: 'Acme', expectedName: 'Acme' } },
      ],
    },
  };
}

type Leaf = { path: Array<string | number>; value: unknown };
function leaves(value: unknown, path: Array<string | number> = []): Leaf[] {
  if (value instanceof Date || value === null || typeof value !== 'object') return [{ path, value }];
  return Object.entries(value).flatMap(([k, v]) =>
    leaves(v, [...path, Array.isArray(value) ? Number(k) : k]),
  );
}
function replaced(base: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  const copy = (Array.isArray(base) ? [...base] : { ...(base as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head] = replaced(copy[head], rest, value);
  return copy;
}

type Variant = { label: string; input: unknown; malformed: boolean };
/** Malformed inputs derived from a base: `malformed` ones must be refused as BAD_REQUEST. */
function variants(base: Record<string, unknown>): Variant[] {
  const out: Variant[] = [
    { label: 'NUL in the workspace', input: { ...base, workspace: 'ac\u0000me' }, malformed: true },
    { label: 'NUL in a key', input: { ...base, 'k\u0000': 1 }, malformed: true },
    { label: 'null input', input: null, malformed: false },
    { label: 'an array', input: [1, 2], malformed: false },
    { label: 'a numeric workspace', input: { ...base, workspace: 12 }, malformed: false },
  ];
  for (const { path, value } of leaves(base)) {
    const at = path.join('.');
    const key = path.at(-1);
    if (typeof value === 'string' && at !== 'workspace') {
      out.push({ label: `NUL in ${at}`, input: replaced(base, path, `${value}\u0000x`), malformed: true });
      if (UUID.test(value))
        out.push({
          label: `unknown id in ${at}`,
          input: replaced(base, path, randomUUID()),
          malformed: false,
        });
    }
    if (typeof key === 'string' && DATE_KEYS.has(key)) {
      for (const bad of ['-271821-04-20', '+275760-09-13T00:00:00.000Z', 'not a date'])
        out.push({ label: `${at} = ${bad}`, input: replaced(base, path, bad), malformed: true });
      out.push({
        label: `${at} = Date(-271821)`,
        input: replaced(base, path, new Date(-8.64e15)),
        malformed: true,
      });
      out.push({ label: `${at} = null`, input: replaced(base, path, null), malformed: true });
    }
    if (typeof value === 'number')
      for (const big of [2 ** 31, 1e300, -1])
        out.push({ label: `${at} = ${big}`, input: replaced(base, path, big), malformed: false });
  }
  return out;
}

/** Inputs known to be accepted without being refused (`path label`): none left; keep it empty. */
const KNOWN_GAPS = new Set<string>();

let world: World;
let ids: Ids;
beforeAll(async () => {
  world = await createWorld();
  const agent = await enrollAgent(world, 'hygiene');
  const member = world.client('member');
  const { id: hostId } = await member.hosts.add.mutate({
    workspace: 'acme',
    hostname: 'svc.internal',
    port: 443,
    tags: ['prod'],
    agentId: agent.id,
  });
  const { id: otherHostId } = await member.hosts.add.mutate({
    workspace: 'acme',
    hostname: 'b.internal',
    port: 443,
    agentId: null,
  });
  const rule = await world.client('admin').alertRules.create.mutate({
    workspace: 'acme',
    name: 'expiring',
    predicate: { kind: 'expires_within', days: 30 },
    severity: 'warning',
  });
  await agent.push([
    makeSnapshot({ hostId, hostname: 'svc.internal', notAfter: new Date(Date.now() + 5 * 86_400_000) }),
  ]);
  const open = await world.client('admin').alerts.list.query({ workspace: 'acme', state: 'open' });
  const alertId = open.alerts[0]?.id;
  if (!alertId) throw new Error('no alert opened');
  ids = { hostId, otherHostId, agentId: agent.id, ruleId: rule.id, alertId };
});
afterAll(async () => {
  await world?.close();
});

async function call(path: string, type: string, caller: Caller, input: unknown) {
  const token = caller === 'anonymous' ? undefined : world.tokens[caller];
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const body = JSON.stringify(superjson.serialize(input));
  const url = `${world.server.url}/trpc/${path}`;
  const res =
    type === 'query'
      ? await fetch(`${url}?input=${encodeURIComponent(body)}`, { headers })
      : await fetch(url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body,
        });
  const text = await res.text();
  let code = 'OK';
  try {
    code =
      (JSON.parse(text) as { error?: { json: { data: { code: string } } } }).error?.json.data.code ?? 'OK';
  } catch {
    code = 'UNPARSEABLE';
  }
  return { status: res.status, text, code };
}

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
)
  .filter(([, p]) => p._def.type !== 'subscription')
  .map(([path, p]) => [path, p._def.type] as const);

describe('error hygiene over the role matrix', () => {
  it.each(procedures)('%s answers malformed input without a 500 or internals', async (path, type) => {
    const access = PROCEDURE_ACCESS[path as keyof typeof PROCEDURE_ACCESS] as Access;
    const base = bases(ids)[path] ?? {};
    const problems: string[] = [];
    for (const variant of variants(base)) {
      const answers = await Promise.all(
        CALLERS.map(async (caller) => ({ caller, ...(await call(path, type, caller, variant.input)) })),
      );
      for (const a of answers) {
        const where = `${variant.label} as ${a.caller}`;
        if (a.status >= 500) problems.push(`${where}: ${a.status} ${a.text.slice(0, 200)}`);
        const leaks = leaksIn(a.text);
        if (leaks.length) problems.push(`${where}: leaks ${leaks.join(', ')}: ${a.text.slice(0, 300)}`);
        if (
          variant.malformed &&
          admitted(access, a.caller) &&
          a.code !== 'BAD_REQUEST' &&
          !KNOWN_GAPS.has(`${path} ${variant.label}`)
        )
          problems.push(`${where}: expected BAD_REQUEST, got ${a.code}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
