import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { scopedCount, scopedQuery } from '../incidents/scoped-db.ts';

/**
 * Tasks and projects through the real API: create, change, list and remove with their audit
 * rows and events, progress counted from the tasks, bad input refused by name with nothing
 * stored, and who may remove what.
 */
let world: World;
let userIds: Record<string, string>;
beforeAll(async () => {
  world = await createWorld();
  const { rows } = await world.server.services.db.owner.query<{ id: string; email: string }>(
    'SELECT id, email FROM users',
  );
  userIds = Object.fromEntries(rows.map((u) => [u.email.split('@')[0] ?? '', u.id]));
});
afterAll(async () => {
  await world?.close();
});

const member = () => world.client('member');

async function refusal(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof TRPCClientError)) throw err;
    const data = err.data as { code: string; fieldErrors?: Record<string, string> };
    return { code: data.code, fieldErrors: data.fieldErrors ?? {}, message: err.message };
  }
  throw new Error('the call succeeded');
}

const actions = async (targetId: string) =>
  (await world.client('owner').audit.list.query({ workspace: 'acme', filter: { targetId } })).rows
    .map((r) => r.action)
    .reverse();
/** The events about one task or project (`task.*` with taskId, `project.*` with projectId). */
const eventTypes = async (kind: 'task' | 'project', id: string) =>
  (
    await scopedQuery<{ type: string }>(
      world,
      `SELECT type FROM events WHERE payload->>'${kind}Id' = $1 AND type LIKE '${kind}.%' ORDER BY seq`,
      [id],
    )
  ).map((e) => e.type);

describe('tasks', () => {
  it('are created, assigned, done, reopened and removed, each with its audit row and event', async () => {
    const incident = await member().incidents.create.mutate({
      workspace: 'acme',
      title: 'Disk full',
      severity: 'SEV3',
    });
    const task = await member().tasks.create.mutate({
      workspace: 'acme',
      title: 'Grow the volume',
      assigneeId: userIds.approver,
      dueAt: new Date('2030-05-01T00:00:00Z'),
      incidentId: incident.id,
    });
    expect(task).toMatchObject({ status: 'todo', assigneeId: userIds.approver, incidentId: incident.id });

    const done = await member().tasks.update.mutate({ workspace: 'acme', id: task.id, status: 'done' });
    expect(done.completedAt).toBeInstanceOf(Date);
    const reopened = await member().tasks.update.mutate({
      workspace: 'acme',
      id: task.id,
      status: 'in_progress',
      assigneeId: null,
    });
    expect(reopened).toMatchObject({ status: 'in_progress', completedAt: null, assigneeId: null });

    const listed = await world
      .client('viewer')
      .tasks.list.query({ workspace: 'acme', incidentId: incident.id });
    expect(listed.items.map((t) => t.id)).toEqual([task.id]);

    await member().tasks.remove.mutate({ workspace: 'acme', id: task.id });
    expect(await outcome(() => member().tasks.remove.mutate({ workspace: 'acme', id: task.id }))).toBe(
      'NOT_FOUND',
    );
    expect(await actions(task.id)).toEqual(['task.created', 'task.updated', 'task.updated', 'task.removed']);
    expect(await eventTypes('task', task.id)).toEqual([
      'task.created',
      'task.updated',
      'task.updated',
      'task.removed',
    ]);
  });

  it('refuses an assignee who is not a member, and unknown incidents, projects and changes, by name, storing nothing', async () => {
    const before = await scopedCount(world, 'SELECT 1 FROM tasks');
    const unknown = '00000000-0000-4000-8000-000000000009';
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ assigneeId: userIds.outsider! }, 'assigneeId', 'is not a member of this workspace'],
      [{ incidentId: unknown }, 'incidentId', 'no such incident in this workspace'],
      [{ projectId: unknown }, 'projectId', 'no such project in this workspace'],
      [{ changeId: unknown }, 'changeId', 'no such change in this workspace'],
    ];
    for (const [fields, field, message] of cases) {
      const r = await refusal(() =>
        member().tasks.create.mutate({ workspace: 'acme', title: 'x', ...fields }),
      );
      expect(r).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { [field]: message } });
    }
    const empty = await refusal(() => member().tasks.create.mutate({ workspace: 'acme', title: '   ' }));
    expect(empty.fieldErrors.title).toBe('title must not be empty');
    const status = await refusal(() =>
      member().tasks.create.mutate({ workspace: 'acme', title: 'x', status: 'blocked' as 'todo' }),
    );
    expect(status.fieldErrors.status).toMatch(/^status must be one of todo/);
    expect(await scopedCount(world, 'SELECT 1 FROM tasks')).toBe(before);
  });

  it('answers another workspace’s task as not found', async () => {
    const theirs = await world
      .client('outsider')
      .tasks.create.mutate({ workspace: 'other', title: 'Theirs' });
    expect(
      await outcome(() => member().tasks.update.mutate({ workspace: 'acme', id: theirs.id, title: 'x' })),
    ).toBe('NOT_FOUND');
    expect(await outcome(() => member().tasks.remove.mutate({ workspace: 'acme', id: theirs.id }))).toBe(
      'NOT_FOUND',
    );
  });
});

describe('projects', () => {
  it('count their progress from their tasks, leaving cancelled ones out', async () => {
    const project = await member().projects.create.mutate({
      workspace: 'acme',
      name: 'TLS 1.0 retirement',
      ownerId: userIds.member,
      startsAt: new Date('2030-01-01T00:00:00Z'),
      endsAt: new Date('2030-03-31T00:00:00Z'),
    });
    expect(project.progress).toMatchObject({ total: 0, percent: 0 });
    const statuses = ['done', 'done', 'in_progress', 'cancelled'] as const;
    for (const [i, status] of statuses.entries())
      await member().tasks.create.mutate({
        workspace: 'acme',
        title: `step ${i}`,
        status,
        projectId: project.id,
      });
    const got = await world.client('viewer').projects.get.query({ workspace: 'acme', id: project.id });
    expect(got.progress).toEqual({ total: 4, todo: 0, inProgress: 1, done: 2, cancelled: 1, percent: 66 });
    expect(got.tasks).toHaveLength(4);
    const listed = await world.client('viewer').projects.list.query({ workspace: 'acme' });
    expect(listed.find((p) => p.id === project.id)?.progress.percent).toBe(66);
  });

  it('refuses an end before the start (also against the stored start), a non-member owner and a taken name', async () => {
    const start = new Date('2030-06-01T00:00:00Z');
    const early = new Date('2030-05-01T00:00:00Z');
    const before = await scopedCount(world, 'SELECT 1 FROM projects');
    const backwards = await refusal(() =>
      member().projects.create.mutate({
        workspace: 'acme',
        name: 'Backwards',
        startsAt: start,
        endsAt: early,
      }),
    );
    expect(backwards).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { endsAt: 'endsAt must not be before startsAt' },
    });
    const owner = await refusal(() =>
      member().projects.create.mutate({ workspace: 'acme', name: 'Owned', ownerId: userIds.outsider }),
    );
    expect(owner.fieldErrors.ownerId).toBe('is not a member of this workspace');
    expect(await scopedCount(world, 'SELECT 1 FROM projects')).toBe(before);

    const p = await member().projects.create.mutate({ workspace: 'acme', name: 'Dated', startsAt: start });
    const later = await refusal(() =>
      member().projects.update.mutate({ workspace: 'acme', id: p.id, endsAt: early }),
    );
    expect(later.fieldErrors.endsAt).toBe('must not be before startsAt');
    const taken = await refusal(() => member().projects.create.mutate({ workspace: 'acme', name: 'Dated' }));
    expect(taken).toMatchObject({
      code: 'CONFLICT',
      message: 'name: a project called "Dated" already exists',
    });
    const unchanged = await member().projects.get.query({ workspace: 'acme', id: p.id });
    expect(unchanged.endsAt).toBeNull();
  });

  it('are removed by admins only, leaving their tasks without a project', async () => {
    const p = await member().projects.create.mutate({ workspace: 'acme', name: 'Short-lived' });
    const task = await member().tasks.create.mutate({ workspace: 'acme', title: 'stays', projectId: p.id });
    await member().projects.update.mutate({ workspace: 'acme', id: p.id, description: 'soon gone' });
    expect(await outcome(() => member().projects.remove.mutate({ workspace: 'acme', id: p.id }))).toBe(
      'FORBIDDEN',
    );
    await world.client('admin').projects.remove.mutate({ workspace: 'acme', id: p.id });
    const after = await member().tasks.list.query({ workspace: 'acme' });
    expect(after.items.find((t) => t.id === task.id)).toMatchObject({ projectId: null });
    expect(await actions(p.id)).toEqual(['project.created', 'project.updated', 'project.removed']);
    expect(await eventTypes('project', p.id)).toEqual([
      'project.created',
      'project.updated',
      'project.removed',
    ]);
    const page = await world.client('viewer').sync.pull.query({ workspace: 'acme', limit: 5000 });
    expect(page.changes).toContainEqual(
      expect.objectContaining({ table: 'projects', rowId: p.id, row: null }),
    );
    expect(page.changes).toContainEqual(
      expect.objectContaining({
        table: 'tasks',
        row: expect.objectContaining({ id: task.id, project_id: null }),
      }),
    );
  });
});
