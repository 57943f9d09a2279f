import type { z } from 'zod';
import type {
  componentDraftSchema,
  PolicyChoice,
  SloView,
  sloDraftSchema,
  StatusPageSummary,
  statusPageDraftSchema,
} from '../bridge/reliability.ts';
import type { OnlineResult } from '../bridge/changes.ts';
import { online } from './change-admin-online.ts';
import type { OnlineDeps } from './hosts-online.ts';
import { noticeViews } from './status-notices-online.ts';

/**
 * SLOs and status pages: online calls (the server evaluates SLOs and keeps the pages). Offline
 * they are refused in words, except the SLO list, which slos-replica.ts answers from the replica;
 * a refusal carries the server's words per field for the forms.
 */

/** Host names from the replica, for saying what an SLO covers. */
function hostNames(deps: OnlineDeps): Map<string, string> {
  const rows = deps.db.prepare<[], { id: string; hostname: string }>('SELECT id, hostname FROM hosts').all();
  return new Map(rows.map((r) => [r.id, r.hostname]));
}

/**
 * The workspace's escalation policies by name, from the replica (they are replicated rows): what
 * an SLO's burn-rate alerts can page.
 */
export function policyChoices(db: OnlineDeps['db']): PolicyChoice[] {
  return db
    .prepare<[], { data: string }>("SELECT data FROM records WHERE tbl = 'escalation_policies'")
    .all()
    .map((r) => JSON.parse(r.data) as PolicyChoice)
    .map((p) => ({ id: p.id, name: p.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function listSlos(
  deps: OnlineDeps,
): Promise<OnlineResult<{ slos: SloView[]; policies: PolicyChoice[] }>> {
  return online('reading SLOs', async () => {
    const rows = await deps.api.slos.list.query({ workspace: deps.workspace });
    const names = hostNames(deps);
    return {
      slos: rows.map((s) => ({
        id: s.id,
        name: s.name,
        kind: s.kind,
        scope: s.scope.type === 'host' ? (names.get(s.scope.hostId) ?? 'a host') : `tag ${s.scope.tag}`,
        hostId: s.scope.type === 'host' ? s.scope.hostId : null,
        tag: s.scope.type === 'tag' ? s.scope.tag : null,
        objective: s.objective,
        windowDays: s.windowDays,
        thresholdMs: s.thresholdMs,
        escalationPolicyId: s.escalationPolicyId,
        good: s.window.good,
        total: s.window.total,
        attainment: s.attainment,
        budgetRemaining: s.budgetRemaining,
        burnRates: {
          '5': s.burnRates[5],
          '30': s.burnRates[30],
          '60': s.burnRates[60],
          '360': s.burnRates[360],
        },
        firing: s.firing,
        evaluatedAt: s.evaluatedAt,
      })),
      policies: policyChoices(deps.db),
    };
  });
}

/**
 * Creates an SLO, or edits the one named by `id` (name, objective, window, threshold, policy).
 */
export function saveSlo(
  deps: OnlineDeps,
  draft: z.output<typeof sloDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  return online('saving an SLO', async () => {
    if (draft.id) {
      const saved = await deps.api.slos.update.mutate({
        workspace: deps.workspace,
        id: draft.id,
        name: draft.name,
        objective: draft.objective,
        // Loose on purpose: the server names a window not in its list.
        windowDays: draft.windowDays as 7 | 28 | 30,
        thresholdMs: draft.kind === 'latency' ? draft.thresholdMs : null,
        escalationPolicyId: draft.escalationPolicyId || null,
      });
      return { id: saved.id };
    }
    const saved = await deps.api.slos.create.mutate({
      workspace: deps.workspace,
      name: draft.name,
      kind: draft.kind,
      scope: draft.hostId ? { type: 'host', hostId: draft.hostId } : { type: 'tag', tag: draft.tag },
      objective: draft.objective,
      windowDays: draft.windowDays as 7 | 28 | 30,
      thresholdMs: draft.kind === 'latency' ? draft.thresholdMs : null,
      escalationPolicyId: draft.escalationPolicyId || null,
    });
    return { id: saved.id };
  });
}

export function removeSlo(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('removing an SLO', async () => {
    await deps.api.slos.remove.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

export function listStatusPages(
  deps: OnlineDeps & { serverUrl: string },
): Promise<OnlineResult<{ pages: StatusPageSummary[] }>> {
  return online('reading status pages', async () => {
    const pages = await deps.api.statusPages.list.query({ workspace: deps.workspace });
    const now = deps.clock();
    return {
      pages: pages.map((p) => ({
        id: p.id,
        slug: p.slug,
        title: p.title,
        description: p.description,
        url: `${deps.serverUrl}/status/${p.slug}`,
        components: p.components,
        activeNotices: p.notices.filter((n) => !n.resolvedAt).length,
        notices: noticeViews(p.notices, new Map(p.components.map((c) => [c.id, c.publicName])), now),
      })),
    };
  });
}

export function saveStatusPage(
  deps: OnlineDeps & { serverUrl: string },
  draft: z.output<typeof statusPageDraftSchema>,
): Promise<OnlineResult<{ id: string; url: string }>> {
  const { id, ...page } = draft;
  return online('saving a status page', async () => {
    const saved = id
      ? await deps.api.statusPages.update.mutate({ workspace: deps.workspace, id, ...page })
      : await deps.api.statusPages.create.mutate({ workspace: deps.workspace, ...page });
    return { id: saved.id, url: `${deps.serverUrl}/status/${saved.slug}` };
  });
}

export function removeStatusPage(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('removing a status page', async () => {
    await deps.api.statusPages.remove.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

/** Replaces what the page shows: each component a host or a tag under its public name. */
export function setStatusPageComponents(
  deps: OnlineDeps,
  id: string,
  components: Array<z.output<typeof componentDraftSchema>>,
): Promise<OnlineResult> {
  return online('choosing what a status page shows', async () => {
    await deps.api.statusPages.setComponents.mutate({
      workspace: deps.workspace,
      id,
      components: components.map((c) =>
        c.hostId ? { publicName: c.publicName, hostId: c.hostId } : { publicName: c.publicName, tag: c.tag },
      ),
    });
    return {};
  });
}
