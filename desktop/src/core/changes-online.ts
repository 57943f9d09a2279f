import type { z } from 'zod';
import type {
  ChangeCreated,
  changeDraftSchema,
  changeTransitionSchema,
  OnlineRefusal,
  OnlineResult,
} from '../bridge/changes.ts';
import type { IncidentOpen } from '../bridge/incidents.ts';
import type { OnlineDeps } from './hosts-online.ts';
import { onlineRefusal } from './online-refusal.ts';

/**
 * The change and incident operations that need the server at once: creating a change (the
 * server scores its risk and gives its id), moving it (submitting starts its approvals),
 * drafting a certificate's renewal from its expiry alert, and opening an incident. They do not wait in the outbox; offline they are refused in words, and the
 * rows they make arrive through the change log like any other. Decisions, notes and incident
 * moves are outbox actions instead (they work offline).
 */

/** Creates a change from the form, and submits it when asked. */
export async function createChange(
  deps: OnlineDeps,
  draft: z.output<typeof changeDraftSchema>,
): Promise<ChangeCreated | OnlineRefusal> {
  const given = <T extends Record<string, string>>(texts: T): Partial<T> =>
    draft.templateId ? (Object.fromEntries(Object.entries(texts).filter(([, v]) => v)) as Partial<T>) : texts;
  let id: string;
  try {
    const created = await deps.api.changes.create.mutate({
      workspace: deps.workspace,
      // From a template, a text left empty is the template's (its name for the title).
      ...given({
        title: draft.title,
        description: draft.description,
        implementationPlan: draft.implementationPlan,
        rollbackPlan: draft.rollbackPlan,
        testPlan: draft.testPlan,
      }),
      // A standard change is of the standard type; the server refuses any other from a template.
      type: draft.templateId ? 'standard' : draft.type,
      ...(draft.plannedStart ? { plannedStart: draft.plannedStart } : {}),
      ...(draft.plannedEnd ? { plannedEnd: draft.plannedEnd } : {}),
      affectedHostIds: draft.affectedHostIds,
      // The server checks each answer against its question and names a wrong one.
      riskAnswers: draft.riskAnswers,
      ...(draft.templateId ? { templateId: draft.templateId } : {}),
    });
    id = created.id;
  } catch (err) {
    return onlineRefusal(err, 'creating a change');
  }
  // A standard change is approved on creation: there is nothing to submit.
  if (!draft.submit || draft.templateId) return { ok: true, id, submitted: false, message: undefined };
  const submitted = await transitionChange(deps, { changeId: id, to: 'submitted' });
  return {
    ok: true,
    id,
    submitted: submitted.ok,
    message: submitted.ok ? undefined : `created as a draft, not submitted: ${submitted.message}`,
  };
}

/**
 * Moves a change, at the revision the replica holds (so a change edited meanwhile is refused
 * rather than moved blind).
 */
export async function transitionChange(
  deps: OnlineDeps,
  move: z.output<typeof changeTransitionSchema>,
): Promise<OnlineResult> {
  const row = deps.db
    .prepare<[string], { revision: number | null }>('SELECT revision FROM changes WHERE id = ?')
    .get(move.changeId);
  try {
    await deps.api.changes.transition.mutate({
      workspace: deps.workspace,
      id: move.changeId,
      to: move.to,
      ...(typeof row?.revision === 'number' ? { revision: row.revision } : {}),
      ...(move.note ? { note: move.note } : {}),
    });
    return { ok: true };
  } catch (err) {
    return onlineRefusal(err, 'moving a change');
  }
}

/**
 * Drafts the change renewing the certificate an expiry alert is about (the server picks the
 * host, the certificate, a window before the expiry outside freeze windows, and the renewal
 * template when there is an approved one).
 */
export async function draftRenewal(deps: OnlineDeps, alertId: string): Promise<OnlineResult<{ id: string }>> {
  try {
    const drafted = await deps.api.changes.draftRenewal.mutate({ workspace: deps.workspace, alertId });
    return { ok: true, id: drafted.id };
  } catch (err) {
    return onlineRefusal(err, 'drafting a renewal');
  }
}

/** Opens an incident, from an alert (linked both ways with its host) or from scratch. */
export async function openIncident(
  deps: OnlineDeps,
  input: IncidentOpen,
): Promise<OnlineResult<{ id: string }>> {
  try {
    const opened = await deps.api.incidents.create.mutate({
      workspace: deps.workspace,
      ...(input.fromAlertId ? { fromAlertId: input.fromAlertId } : {}),
      ...(input.title ? { title: input.title } : {}),
      ...(input.severity ? { severity: input.severity } : {}),
      ...(input.summary ? { summary: input.summary } : {}),
    });
    return { ok: true, id: opened.id };
  } catch (err) {
    return onlineRefusal(err, 'opening an incident');
  }
}
