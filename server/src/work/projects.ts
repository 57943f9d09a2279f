import { type ProjectProgress, projectProgress, type TaskStatus } from '@vigilo/shared/work';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { isUniqueViolation } from '../db/pg-errors.ts';
import { actorRef } from '../monitoring/alerts/alert-actions.ts';
import { requireMember } from '../workspaces/member-check.ts';
import { listTasks, type Task } from './tasks.ts';

/**
 * Projects: a named set of tasks with an owner and a date range. Progress is counted from the
 * tasks whenever it is read (shared/src/work.ts), never stored, so it cannot drift from them.
 * Each change writes its audit row and event in the caller's transaction.
 */

type ProjectRow = {
  id: string;
  name: string;
  description: string;
  owner_id: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
};

export type Project = {
  id: string;
  name: string;
  description: string;
  ownerId: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  progress: ProjectProgress;
};

/** A project's editable fields; null clears an optional one. */
export type ProjectPatch = {
  name?: string | undefined;
  description?: string | undefined;
  ownerId?: string | null | undefined;
  startsAt?: Date | null | undefined;
  endsAt?: Date | null | undefined;
};

const toProject = (r: ProjectRow, statuses: TaskStatus[]): Project => ({
  id: r.id,
  name: r.name,
  description: r.description,
  ownerId: r.owner_id,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  progress: projectProgress(statuses),
});

/** Refuses an end before the start, naming `endsAt` (the range as it will be after the change). */
function checkRange(startsAt: Date | null, endsAt: Date | null): void {
  if (startsAt && endsAt && endsAt < startsAt) throw invalidField(['endsAt'], 'must not be before startsAt');
}

const nameTaken = (name: string, cause?: unknown) =>
  new ActionRefused('conflict', `name: a project called "${name}" already exists`, { cause });
const noProject = () => new ActionRefused('not_found', 'no such project in this workspace');

/** Creates a project. */
export async function createProject(
  tx: WorkspaceTx,
  input: { fields: ProjectPatch & { name: string }; actor: Actor; now: Date },
): Promise<Project> {
  const f = input.fields;
  checkRange(f.startsAt ?? null, f.endsAt ?? null);
  if (f.ownerId) await requireMember(tx, { userId: f.ownerId, field: ['ownerId'], now: input.now });
  let row: ProjectRow;
  try {
    const { rows } = await tx.query<ProjectRow>(
      `INSERT INTO projects (workspace_id, name, description, owner_id, starts_at, ends_at, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *`,
      [
        tx.workspaceId,
        f.name,
        f.description ?? '',
        f.ownerId ?? null,
        f.startsAt ?? null,
        f.endsAt ?? null,
        actorRef(input.actor),
        input.now,
      ],
    );
    row = rows[0] as ProjectRow;
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(f.name, err);
    throw err;
  }
  const project = toProject(row, []);
  await tx.record({
    action: 'project.created',
    target: { type: 'project', id: project.id },
    summary: { after: auditView(project) },
    event: 'project.created',
    payload: { projectId: project.id, name: project.name, ownerId: project.ownerId },
  });
  return project;
}

/** Changes the fields given; a patch that changes nothing writes nothing. */
export async function updateProject(
  tx: WorkspaceTx,
  input: { id: string; patch: ProjectPatch; now: Date },
): Promise<Project> {
  const { rows: found } = await tx.query<ProjectRow>('SELECT * FROM projects WHERE id = $1 FOR UPDATE', [
    input.id,
  ]);
  const prev = found[0];
  if (!prev) throw noProject();
  const p = input.patch;
  const next = {
    name: p.name ?? prev.name,
    description: p.description ?? prev.description,
    owner_id: p.ownerId !== undefined ? p.ownerId : prev.owner_id,
    starts_at: p.startsAt !== undefined ? p.startsAt : prev.starts_at,
    ends_at: p.endsAt !== undefined ? p.endsAt : prev.ends_at,
  };
  checkRange(next.starts_at, next.ends_at);
  if (next.owner_id && next.owner_id !== prev.owner_id)
    await requireMember(tx, { userId: next.owner_id, field: ['ownerId'], now: input.now });
  const same = (a: unknown, b: unknown) =>
    a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
  const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => !same(next[k], prev[k]));
  if (changed.length === 0) return toProject(prev, await statusesOf(tx, input.id));
  let row: ProjectRow;
  try {
    const { rows } = await tx.query<ProjectRow>(
      `UPDATE projects SET name = $2, description = $3, owner_id = $4, starts_at = $5, ends_at = $6, updated_at = $7
       WHERE id = $1 RETURNING *`,
      [input.id, next.name, next.description, next.owner_id, next.starts_at, next.ends_at, input.now],
    );
    row = rows[0] as ProjectRow;
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(next.name, err);
    throw err;
  }
  await tx.record({
    action: 'project.updated',
    target: { type: 'project', id: input.id },
    summary: {
      before: Object.fromEntries(changed.map((k) => [k, prev[k]])),
      after: Object.fromEntries(changed.map((k) => [k, next[k]])),
    },
    event: 'project.updated',
    payload: { projectId: input.id, name: next.name, changed },
  });
  return toProject(row, await statusesOf(tx, input.id));
}

/**
 * Removes a project. Its tasks stay, detached (they may be an incident's follow-ups or a
 * change's work); the audit row says how many.
 */
export async function removeProject(
  tx: WorkspaceTx,
  input: { id: string; now: Date },
): Promise<{ id: string }> {
  const { rows: found } = await tx.query<ProjectRow>('SELECT * FROM projects WHERE id = $1 FOR UPDATE', [
    input.id,
  ]);
  const prev = found[0];
  if (!prev) throw noProject();
  const detached = await tx.query(
    'UPDATE tasks SET project_id = NULL, updated_at = $2 WHERE project_id = $1',
    [input.id, input.now],
  );
  await tx.query('DELETE FROM projects WHERE id = $1', [input.id]);
  await tx.record({
    action: 'project.removed',
    target: { type: 'project', id: input.id },
    summary: { before: auditView(toProject(prev, [])), after: { detachedTasks: detached.rowCount ?? 0 } },
    event: 'project.removed',
    payload: { projectId: input.id, name: prev.name },
  });
  return { id: input.id };
}

/** Every project by name, each with its progress. */
export async function listProjects(tx: WorkspaceTx): Promise<Project[]> {
  const { rows } = await tx.query<ProjectRow & { statuses: TaskStatus[] }>(
    `SELECT p.*, coalesce(array_agg(t.status) FILTER (WHERE t.id IS NOT NULL), '{}') AS statuses
     FROM projects p LEFT JOIN tasks t ON t.project_id = p.id
     GROUP BY p.id ORDER BY p.name`,
  );
  return rows.map((r) => toProject(r, r.statuses));
}

/** One project with its progress and every task of it. */
export async function getProject(tx: WorkspaceTx, id: string): Promise<Project & { tasks: Task[] }> {
  const { rows } = await tx.query<ProjectRow>('SELECT * FROM projects WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) throw noProject();
  // A project's tasks are few enough to hand over at once; the cap keeps an answer bounded.
  const { items } = await listTasks(tx, { projectId: id, limit: 5000 });
  return {
    ...toProject(
      row,
      items.map((t) => t.status),
    ),
    tasks: items,
  };
}

async function statusesOf(tx: WorkspaceTx, projectId: string): Promise<TaskStatus[]> {
  const { rows } = await tx.query<{ status: TaskStatus }>('SELECT status FROM tasks WHERE project_id = $1', [
    projectId,
  ]);
  return rows.map((r) => r.status);
}

function auditView(p: Project) {
  return {
    name: p.name,
    description: p.description,
    ownerId: p.ownerId,
    startsAt: p.startsAt,
    endsAt: p.endsAt,
  };
}
