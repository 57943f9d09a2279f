import type { z } from 'zod';
import type {
  ChangeEdit,
  changeEditSchema,
  PolicyView,
  policyDraftSchema,
  TemplateView,
  templateDraftSchema,
} from '../bridge/change-admin.ts';
import type { OnlineResult } from '../bridge/changes.ts';
import type { OnlineDeps } from './hosts-online.ts';
import { onlineRefusal } from './online-refusal.ts';
import { names } from './replica/people.ts';

/**
 * Approval policies, standard-change templates and editing a change: online calls (only the
 * server can check approvers against its members, score risk, restart approvals). Offline they
 * are refused in words; a refusal carries the server's words per field for the forms.
 */

/** Runs one online call, its refusal in the page's words. */
export async function online<T extends object>(
  needs: string,
  call: () => Promise<T>,
): Promise<OnlineResult<T>> {
  try {
    return { ok: true, ...(await call()) };
  } catch (err) {
    return onlineRefusal(err, needs);
  }
}

/** An instant from the server (a Date through superjson) as ISO text. */
export const iso = (d: Date | string | null | undefined): string => (d ? new Date(d).toISOString() : '');

/** Every policy, lowest priority number first, its approvers named from the replica. */
export function listPolicies(deps: OnlineDeps): Promise<OnlineResult<{ policies: PolicyView[] }>> {
  return online('reading approval policies', async () => {
    const rows = await deps.api.approvalPolicies.list.query({ workspace: deps.workspace });
    const name = names(deps.db);
    return {
      policies: rows.map((p) => ({
        id: p.id,
        name: p.name,
        priority: p.priority,
        changeTypes: p.changeTypes,
        minRisk: p.minRisk,
        tags: p.tags,
        enabled: p.enabled,
        steps: p.steps.map((s) => ({
          name: s.name,
          approvers: s.approverIds.map(name),
          group: s.group,
          quorum: s.quorum,
          cab: s.cab ?? false,
        })),
      })),
    };
  });
}

/** Creates a policy, or replaces every field of the one named by `id`. */
export function savePolicy(
  deps: OnlineDeps,
  draft: z.output<typeof policyDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  const { id, ...policy } = draft;
  return online('saving an approval policy', async () => {
    const saved = id
      ? await deps.api.approvalPolicies.update.mutate({ workspace: deps.workspace, id, ...policy })
      : await deps.api.approvalPolicies.create.mutate({ workspace: deps.workspace, ...policy });
    return { id: saved.id };
  });
}

export function removePolicy(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('removing an approval policy', async () => {
    await deps.api.approvalPolicies.remove.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

/** The standard-change catalogue, proposed and approved. */
export function listTemplates(deps: OnlineDeps): Promise<OnlineResult<{ templates: TemplateView[] }>> {
  return online('reading standard-change templates', async () => {
    const rows = await deps.api.changeTemplates.list.query({ workspace: deps.workspace });
    const name = names(deps.db);
    return {
      templates: rows.map((t) => ({
        id: t.id,
        name: t.name,
        description: t.description,
        state: t.state,
        renewal: t.renewal,
        proposedBy: t.proposedBy ? name(t.proposedBy) : undefined,
        approvedBy: t.approvedBy ? name(t.approvedBy) : undefined,
      })),
    };
  });
}

export function createTemplate(
  deps: OnlineDeps,
  draft: z.output<typeof templateDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  return online('proposing a template', async () => {
    const created = await deps.api.changeTemplates.create.mutate({ workspace: deps.workspace, ...draft });
    return { id: created.id };
  });
}

export function approveTemplate(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('approving a template', async () => {
    await deps.api.changeTemplates.approve.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

/**
 * Edits a change at the revision the replica holds (an edit made meanwhile is a conflict, not
 * overwritten). '' for a planned instant clears it; fields not given stay as they are.
 */
export function editChange(deps: OnlineDeps, edit: z.output<typeof changeEditSchema>): Promise<OnlineResult> {
  const row = deps.db
    .prepare<[string], { revision: number | null }>('SELECT revision FROM changes WHERE id = ?')
    .get(edit.changeId);
  const { changeId, plannedStart, plannedEnd, ...texts } = edit satisfies ChangeEdit;
  const plan = (v: string | undefined) => (v === undefined ? undefined : v || null);
  return online('editing a change', async () => {
    await deps.api.changes.update.mutate({
      workspace: deps.workspace,
      id: changeId,
      revision: row?.revision ?? 1,
      ...texts,
      ...(plannedStart !== undefined ? { plannedStart: plan(plannedStart) } : {}),
      ...(plannedEnd !== undefined ? { plannedEnd: plan(plannedEnd) } : {}),
    });
    return {};
  });
}
