import type { TaskStatus } from '@vigilo/shared/work';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { actorRef } from '../monitoring/alerts/alert-actions.ts';
import { requireMember } from '../workspaces/member-check.ts';
import { requireExisting } from './references.ts';

/**
 * Tasks: a piece of work with an assignee, a due date and a status, linked to a change, an
 * incident and/or a project. The `tasks.*` procedures and the postmortem's follow-up actions
 * (server/src/incidents/postmortem.ts) create them through here. Each change writes its audit
 * row and event in the caller's transaction.
 */

type TaskRow = {
  id: string;
  title: string;
  description: string;
  status: TaskStatus;
  assignee_id: string | null;
  due_at: Date | null;
  incident_id: string | null;
  project_id: string | null;
  change_id: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
};

export type Task = {
  id: string;
  title: string;
  description: string;
  status: TaskStatus;
  assigneeId: string | null;
  dueAt: Date | null;
  incidentId: string | null;
  projectId: string | null;
  changeId: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
};

const toTask = (r: TaskRow): Task => ({
  id: r.id,
  title: r.title,
  description: r.description,
  status: r.status,
  assigneeId: r.assignee_id,
  dueAt: r.due_at,
  incidentId: r.incident_id,
  projectId: r.project_id,
  changeId: r.change_id,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  completedAt: r.completed_at,
});

/** A task's editable fields; null clears an optional one. */
export type TaskPatch = {
  title?: string | undefined;
  description?: string | undefined;
  status?: TaskStatus | undefined;
  assigneeId?: string | null | undefined;
  dueAt?: Date | null | undefined;
  incidentId?: string | null | undefined;
  projectId?: string | null | undefined;
  changeId?: string | null | undefined;
};

/** Refuses, naming the field, references that are set and not this workspace's (or not members). */
async function checkReferences(tx: WorkspaceTx, p: TaskPatch, now: Date): Promise<void> {
  if (p.assigneeId) await requireMember(tx, { userId: p.assigneeId, field: ['assigneeId'], now });
  if (p.incidentId) await requireExisting(tx, 'incident', 'incidentId', p.incidentId);
  if (p.projectId) await requireExisting(tx, 'project', 'projectId', p.projectId);
  if (p.changeId) await requireExisting(tx, 'change', 'changeId', p.changeId);
}

/** Creates a task (status todo unless given). */
export async function createTask(
  tx: WorkspaceTx,
  input: { fields: TaskPatch & { title: string }; actor: Actor; now: Date },
): Promise<Task> {
  const f = input.fields;
  await checkReferences(tx, f, input.now);
  const status = f.status ?? 'todo';
  const { rows } = await tx.query<TaskRow>(
    `INSERT INTO tasks (workspace_id, title, description, status, assignee_id, due_at, incident_id, project_id,
                        change_id, created_by, created_at, updated_at, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) RETURNING *`,
    [
      tx.workspaceId,
      f.title,
      f.description ?? '',
      status,
      f.assigneeId ?? null,
      f.dueAt ?? null,
      f.incidentId ?? null,
      f.projectId ?? null,
      f.changeId ?? null,
      actorRef(input.actor),
      input.now,
      status === 'done' ? input.now : null,
    ],
  );
  const task = toTask(rows[0] as TaskRow);
  await tx.record({
    action: 'task.created',
    target: { type: 'task', id: task.id },
    summary: { after: auditView(task) },
    event: 'task.created',
    payload: taskPayload(task),
  });
  return task;
}

/** Changes the fields given; a patch that changes nothing writes nothing. */
export async function updateTask(
  tx: WorkspaceTx,
  input: { id: string; patch: TaskPatch; actor: Actor; now: Date },
): Promise<Task> {
  const { rows: found } = await tx.query<TaskRow>('SELECT * FROM tasks WHERE id = $1 FOR UPDATE', [input.id]);
  const prev = found[0];
  if (!prev) throw noTask();
  const p = input.patch;
  // Checked only when they change: a task whose assignee since left stays editable.
  await checkReferences(
    tx,
    {
      assigneeId: p.assigneeId !== prev.assignee_id ? p.assigneeId : undefined,
      incidentId: p.incidentId !== prev.incident_id ? p.incidentId : undefined,
      projectId: p.projectId !== prev.project_id ? p.projectId : undefined,
      changeId: p.changeId !== prev.change_id ? p.changeId : undefined,
    },
    input.now,
  );
  const pick = <K extends keyof TaskPatch, C extends keyof TaskRow>(k: K, c: C) =>
    (p[k] !== undefined ? p[k] : prev[c]) as TaskRow[C];
  const next = {
    title: pick('title', 'title'),
    description: pick('description', 'description'),
    status: pick('status', 'status'),
    assignee_id: pick('assigneeId', 'assignee_id'),
    due_at: pick('dueAt', 'due_at'),
    incident_id: pick('incidentId', 'incident_id'),
    project_id: pick('projectId', 'project_id'),
    change_id: pick('changeId', 'change_id'),
  };
  const same = (a: unknown, b: unknown) =>
    a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
  const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => !same(next[k], prev[k]));
  if (changed.length === 0) return toTask(prev);
  // Done since when: kept while it stays done, set when it becomes done, cleared when reopened.
  const completedAt = next.status === 'done' ? (prev.completed_at ?? input.now) : null;
  const { rows } = await tx.query<TaskRow>(
    `UPDATE tasks SET title = $2, description = $3, status = $4, assignee_id = $5, due_at = $6, incident_id = $7,
                      project_id = $8, change_id = $9, updated_at = $10, completed_at = $11
     WHERE id = $1 RETURNING *`,
    [
      input.id,
      next.title,
      next.description,
      next.status,
      next.assignee_id,
      next.due_at,
      next.incident_id,
      next.project_id,
      next.change_id,
      input.now,
      completedAt,
    ],
  );
  const task = toTask(rows[0] as TaskRow);
  await tx.record({
    action: 'task.updated',
    target: { type: 'task', id: task.id },
    summary: {
      before: Object.fromEntries(changed.map((k) => [k, prev[k]])),
      after: Object.fromEntries(changed.map((k) => [k, next[k]])),
    },
    event: 'task.updated',
    payload: { ...taskPayload(task), changed },
  });
  return task;
}

/** Removes a task; the audit row keeps what it was. */
export async function removeTask(tx: WorkspaceTx, input: { id: string }): Promise<{ id: string }> {
  const { rows } = await tx.query<TaskRow>('DELETE FROM tasks WHERE id = $1 RETURNING *', [input.id]);
  const row = rows[0];
  if (!row) throw noTask();
  const task = toTask(row);
  await tx.record({
    action: 'task.removed',
    target: { type: 'task', id: task.id },
    summary: { before: auditView(task) },
    event: 'task.removed',
    payload: taskPayload(task),
  });
  return { id: task.id };
}

export type TaskFilter = {
  status?: TaskStatus[] | undefined;
  assigneeId?: string | undefined;
  incidentId?: string | undefined;
  projectId?: string | undefined;
  changeId?: string | undefined;
  cursor?: { createdAt: Date; id: string } | undefined;
  limit: number;
};

/** Tasks oldest first (the order work was raised in), with a keyset cursor for the next page. */
export async function listTasks(
  tx: WorkspaceTx,
  f: TaskFilter,
): Promise<{ items: Task[]; next: { createdAt: Date; id: string } | null }> {
  const { rows } = await tx.query<TaskRow>(
    `SELECT * FROM tasks
     WHERE ($1::text[] IS NULL OR status = ANY($1))
       AND ($2::uuid IS NULL OR assignee_id = $2)
       AND ($3::uuid IS NULL OR incident_id = $3)
       AND ($4::uuid IS NULL OR project_id = $4)
       AND ($5::uuid IS NULL OR change_id = $5)
       AND ($6::timestamptz IS NULL OR (created_at, id) > ($6, $7::uuid))
     ORDER BY created_at, id LIMIT $8`,
    [
      f.status && f.status.length > 0 ? f.status : null,
      f.assigneeId ?? null,
      f.incidentId ?? null,
      f.projectId ?? null,
      f.changeId ?? null,
      f.cursor?.createdAt ?? null,
      f.cursor?.id ?? null,
      f.limit + 1,
    ],
  );
  const items = rows.slice(0, f.limit).map(toTask);
  const last = items.at(-1);
  return { items, next: rows.length > f.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

const noTask = () => new ActionRefused('not_found', 'no such task in this workspace');

/** A task's fields for the audit row (its text included: the audit log is the record). */
function auditView(t: Task) {
  const { createdAt: _c, updatedAt: _u, completedAt: _d, createdBy: _b, ...fields } = t;
  return fields;
}

/** What an event says of a task: enough to route a notification, no long text. */
function taskPayload(t: Task) {
  return {
    taskId: t.id,
    title: t.title,
    status: t.status,
    assigneeId: t.assigneeId,
    incidentId: t.incidentId,
    projectId: t.projectId,
    changeId: t.changeId,
  };
}
