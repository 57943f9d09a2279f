import { AlertPredicate, AlertScope } from '@vigilo/shared/alert-rules';
import type { ChannelType } from '@vigilo/shared/channels';
import type { z } from 'zod';
import type {
  ChannelView,
  DeliveryAttemptView,
  DeliveryView,
  PredicateDraft,
  predicateDraftSchema,
  RuleTargets,
  RuleView,
  ruleDraftSchema,
  ScopeDraft,
  scopeDraftSchema,
  channelDraftSchema,
} from '../bridge/alerting-admin.ts';
import type { OnlineRefusal, OnlineResult } from '../bridge/changes.ts';
import { iso, online } from './change-admin-online.ts';
import type { OnlineDeps } from './hosts-online.ts';

/**
 * Settings › Alert rules and Channels: online calls (only the server can count the hosts a rule
 * matches, seal a secret, send a test). The lists fall back to the replica when the server
 * cannot be reached, read-only, with the reason in words.
 */

const OFFLINE_NOTE = (what: string) =>
  `Offline: these are the ${what} this desktop last synced. They can be changed again once the server is reachable.`;

/** Rows of one replicated table, as the server sent them (snake_case columns). */
function replicaRows<T>(deps: OnlineDeps, tbl: string): Array<{ id: string } & T> {
  return deps.db
    .prepare<[string], { id: string; data: string }>('SELECT id, data FROM records WHERE tbl = ?')
    .all(tbl)
    .map((r) => ({ id: r.id, ...(JSON.parse(r.data) as T) }));
}

/** A list from the server, or offline from the replica with the reason it cannot change. */
async function listOrReplica<T extends object>(
  needs: string,
  what: string,
  call: () => Promise<T>,
  fromReplica: () => T,
): Promise<OnlineResult<T & { live: boolean; note: string }>> {
  const result = await online(needs, call);
  if (result.ok) return { ...result, live: true, note: '' };
  if (result.reason !== 'offline') return result;
  return { ok: true, ...fromReplica(), live: false, note: OFFLINE_NOTE(what) };
}

type RuleRecord = {
  name: string;
  predicate: PredicateDraft;
  scope: ScopeDraft;
  severity: RuleView['severity'];
  open_after: number;
  resolve_after: number;
  enabled: boolean;
};

/** Every rule by name, with what it matches now (online) or as the replica has it (offline). */
export function listRules(deps: OnlineDeps) {
  return listOrReplica(
    'changing alert rules',
    'alert rules',
    async () => ({
      rules: (await deps.api.alertRules.list.query({ workspace: deps.workspace })).map((r): RuleView => ({
        id: r.id,
        name: r.name,
        predicate: r.predicate,
        scope: r.scope,
        severity: r.severity as RuleView['severity'],
        openAfter: r.openAfter,
        resolveAfter: r.resolveAfter,
        enabled: r.enabled,
        matches: r.matches,
        openAlerts: r.openAlerts,
      })),
    }),
    () => ({
      rules: replicaRows<RuleRecord>(deps, 'alert_rules')
        .map((r): RuleView => ({
          id: r.id,
          name: r.name,
          predicate: r.predicate,
          scope: r.scope,
          severity: r.severity,
          openAfter: r.open_after,
          resolveAfter: r.resolve_after,
          enabled: r.enabled,
          matches: undefined,
          openAlerts: undefined,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    }),
  );
}

/** The active hosts and their tags, from the replica (the scope picker works offline too). */
export function ruleTargets(deps: OnlineDeps): RuleTargets {
  const hosts = deps.db
    .prepare<[], { id: string; hostname: string; port: number; tags: string | null }>(
      'SELECT id, hostname, port, tags FROM hosts WHERE active ORDER BY hostname, port',
    )
    .all()
    .map((h) => ({
      id: h.id,
      label: `${h.hostname}:${h.port}`,
      tags: h.tags ? (JSON.parse(h.tags) as string[]) : [],
    }));
  const tags = [...new Set(hosts.flatMap((h) => h.tags))].sort();
  return { hosts, tags };
}

/**
 * The shared schemas' check of a predicate and scope, before the server is asked: the same words
 * the server would give, per field (`predicate.days`, `scope.tag`).
 */
function checked(
  predicate: z.output<typeof predicateDraftSchema>,
  scope: z.output<typeof scopeDraftSchema>,
): { predicate: AlertPredicate; scope: AlertScope } | OnlineRefusal {
  const p = AlertPredicate.safeParse(predicate);
  const s = AlertScope.safeParse(scope);
  if (p.success && s.success) return { predicate: p.data, scope: s.data };
  const fieldErrors: Record<string, string> = {};
  for (const [field, error] of [
    ['predicate', p.error],
    ['scope', s.error],
  ] as const)
    for (const issue of error?.issues ?? [])
      fieldErrors[[field, ...issue.path.map(String)].join('.')] ??= issue.message;
  return {
    ok: false,
    reason: 'refused',
    message: Object.entries(fieldErrors)
      .map(([f, m]) => `${f}: ${m}`)
      .join('; '),
    fieldErrors,
  };
}

/** How many hosts a rule being written would cover and fire for now. */
export async function previewRule(
  deps: OnlineDeps,
  draft: { predicate: z.output<typeof predicateDraftSchema>; scope: z.output<typeof scopeDraftSchema> },
): Promise<OnlineResult<{ matches: { hosts: number; firing: number; unscanned: number } }>> {
  const rule = checked(draft.predicate, draft.scope);
  if ('ok' in rule) return rule;
  return online('counting the hosts a rule matches', async () => ({
    matches: await deps.api.alertRules.preview.query({ workspace: deps.workspace, ...rule }),
  }));
}

/** Creates a rule, or replaces every field of the one named by `id`. */
export async function saveRule(
  deps: OnlineDeps,
  draft: z.output<typeof ruleDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  const { id, predicate, scope, ...fields } = draft;
  const rule = checked(predicate, scope);
  if ('ok' in rule) return rule;
  return online('saving an alert rule', async () => {
    const saved = id
      ? await deps.api.alertRules.update.mutate({ workspace: deps.workspace, id, ...fields, ...rule })
      : await deps.api.alertRules.create.mutate({ workspace: deps.workspace, ...fields, ...rule });
    return { id: saved.id };
  });
}

export function removeRule(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('removing an alert rule', async () => {
    await deps.api.alertRules.remove.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

type ChannelRecord = {
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  event_types: string[];
  enabled: boolean;
  consecutive_failures: number;
  disabled_reason: string | null;
};

/** Every channel by name, never a secret (only whether it is set). */
export function listChannels(deps: OnlineDeps) {
  return listOrReplica(
    'changing channels',
    'channels',
    async () => ({
      channels: (await deps.api.channels.list.query({ workspace: deps.workspace })).map((c): ChannelView => ({
        id: c.id,
        name: c.name,
        type: c.type,
        config: c.config,
        secretFields: c.secretFields,
        secretsSet: c.secretsSet,
        eventTypes: c.eventTypes,
        enabled: c.enabled,
        consecutiveFailures: c.consecutiveFailures,
        disabledReason: c.disabledReason,
      })),
    }),
    () => ({
      channels: replicaRows<ChannelRecord>(deps, 'channels')
        .map((c): ChannelView => ({
          id: c.id,
          name: c.name,
          type: c.type,
          config: c.config,
          secretFields: [],
          // The replica never receives the sealed secrets; whether they are set is the server's to say.
          secretsSet: false,
          eventTypes: c.event_types,
          enabled: c.enabled,
          consecutiveFailures: c.consecutive_failures,
          disabledReason: c.disabled_reason,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    }),
  );
}

/** Creates a channel (a new webhook's secret comes back this once) or changes one. */
export function saveChannel(
  deps: OnlineDeps,
  draft: z.output<typeof channelDraftSchema>,
): Promise<OnlineResult<{ id: string; webhookSecret: string | undefined; inboundUrl: string | undefined }>> {
  const { id, type, ...fields } = draft;
  return online('saving a channel', async () => {
    if (id) {
      const saved = await deps.api.channels.update.mutate({ workspace: deps.workspace, id, ...fields });
      return { id: saved.id, webhookSecret: undefined, inboundUrl: saved.inboundUrl };
    }
    const created = await deps.api.channels.create.mutate({ workspace: deps.workspace, type, ...fields });
    return { id: created.id, webhookSecret: created.webhookSecret, inboundUrl: created.inboundUrl };
  });
}

/** Sends a test event; its delivery shows in the log like any other, marked as a test. */
export function testChannel(deps: OnlineDeps, id: string): Promise<OnlineResult<{ deliveryId: string }>> {
  return online('sending a test event', async () => {
    const sent = await deps.api.channels.test.mutate({ workspace: deps.workspace, id });
    return { deliveryId: sent.deliveryId };
  });
}

/** A channel's delivery log, newest first, each attempt with what answered. */
export function channelDeliveries(
  deps: OnlineDeps,
  id: string,
): Promise<OnlineResult<{ deliveries: DeliveryView[] }>> {
  return online('reading the delivery log', async () => {
    const rows = await deps.api.channels.deliveries.query({ workspace: deps.workspace, id });
    return {
      deliveries: rows.map((d) => ({
        id: d.id,
        eventSeq: Number(d.eventSeq),
        eventType: d.eventType,
        test: d.test,
        status: d.status as DeliveryView['status'],
        attempts: d.attempts,
        nextAttemptAt: iso(d.nextAttemptAt),
        completedAt: iso(d.completedAt),
        // jsonb_agg of delivery_attempts (server/src/integrations/channel-views.ts): this shape.
        log: (d.log as DeliveryAttemptView[]).map((a) => ({ ...a, at: iso(a.at) })),
      })),
    };
  });
}

/** Enables a channel (re-enabling one the worker disabled restarts its failure count) or disables it. */
export function setChannelEnabled(deps: OnlineDeps, id: string, enabled: boolean): Promise<OnlineResult> {
  return online(enabled ? 'enabling a channel' : 'disabling a channel', async () => {
    await deps.api.channels.update.mutate({ workspace: deps.workspace, id, enabled });
    return {};
  });
}

export function removeChannel(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('removing a channel', async () => {
    await deps.api.channels.remove.mutate({ workspace: deps.workspace, id });
    return {};
  });
}
