import {
  escalationStepSchema,
  type LayerRow,
  layerOfRow,
  type OverrideRow,
  overridesOfRows,
} from '@vigilo/shared/oncall';
import { coverageGaps, nextShifts, onCallAt, type Schedule, scheduleTimeline } from '@vigilo/shared/rotation';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { OnlineResult, Person } from '../bridge/changes.ts';
import type {
  OncallOverview,
  overrideDraftSchema,
  policyDraftSchema,
  rotationDraftSchema,
  routeDraftSchema,
  ScheduleSummary,
  ShiftView,
} from '../bridge/oncall.ts';
import { online } from './change-admin-online.ts';
import type { OnlineDeps } from './hosts-online.ts';

/**
 * On-call in the desktop core. The overview is computed from the replica with the same rotation
 * math the server uses (shared/src/rotation.ts), so it opens offline and agrees with the server's
 * `schedules.onCall`; writes are online calls (the server checks members, zones and targets and
 * names each bad field), followed by a pull so the page shows the result.
 */

const DAY = 86_400_000;

function rows<T>(db: Database.Database, tbl: string): T[] {
  return db
    .prepare<[string], { data: string }>('SELECT data FROM records WHERE tbl = ?')
    .all(tbl)
    .map((r) => JSON.parse(r.data) as T);
}

type ScheduleRow = { id: string; name: string };
type LayerRecord = LayerRow & { schedule_id: string; name: string };
type OverrideRecord = OverrideRow & { schedule_id: string; reason: string; created_at: string };
type PolicyRecord = { id: string; name: string; steps: unknown; repeat_count: number };
type RouteRecord = {
  id: string;
  rule_id: string | null;
  tag: string | null;
  policy_id: string | null;
  channel_ids: string[];
};
type PageRecord = { id: string; alert_id: string; user_id: string | null; summary: string; paged_at: string };

const lengthWords = (l: LayerRow) =>
  l.length_kind === 'hours'
    ? `every ${l.length_hours ?? '?'} h`
    : l.length_kind === 'weekly'
      ? 'weekly'
      : 'daily';

/** Everything the On-call page shows, from the replica, as of `now`. */
export function oncallOverview(db: Database.Database, me: string | undefined, now: Date): OncallOverview {
  const people = db
    .prepare<[], Person>(
      'SELECT user_id AS id, COALESCE(name, email, user_id) AS name FROM people ORDER BY 2',
    )
    .all();
  const byId = new Map(people.map((p) => [p.id, p]));
  const person = (id: string): Person => byId.get(id) ?? { id, name: id.slice(0, 8) };
  const iso = (d: Date) => d.toISOString();
  const shiftView = (s: { userId: string | null; start: Date; end: Date }): ShiftView => ({
    userId: s.userId,
    name: s.userId ? person(s.userId).name : 'nobody',
    start: iso(s.start),
    end: iso(s.end),
  });

  const layers = rows<LayerRecord>(db, 'schedule_layers');
  const overrides = rows<OverrideRecord>(db, 'schedule_overrides');
  const schedules: ScheduleSummary[] = [];
  const myShifts: OncallOverview['myShifts'] = [];
  for (const s of rows<ScheduleRow>(db, 'schedules').sort((a, b) => a.name.localeCompare(b.name))) {
    const ls = layers.filter((l) => l.schedule_id === s.id).sort((a, b) => a.level - b.level);
    const os = overrides.filter((o) => o.schedule_id === s.id);
    const schedule: Schedule = { layers: ls.map(layerOfRow), overrides: overridesOfRows(os) };
    const who = onCallAt(schedule, now);
    const current = scheduleTimeline(schedule, now, new Date(now.getTime() + 60 * DAY))[0];
    schedules.push({
      id: s.id,
      name: s.name,
      onCallNow: who.userId ? person(who.userId) : undefined,
      onCallUntil: current ? iso(current.end) : '',
      layers: ls.map((l) => ({
        id: l.id,
        name: l.name,
        members: l.member_ids.map(person),
        length: lengthWords(l),
        handoffTime: l.handoff_time,
        timeZone: l.time_zone,
      })),
      overrides: os
        .filter((o) => new Date(o.ends_at) > now)
        .map((o) => ({
          id: o.id,
          who: person(o.user_id),
          startsAt: new Date(o.starts_at).toISOString(),
          endsAt: new Date(o.ends_at).toISOString(),
          reason: o.reason,
        })),
      upcoming: nextShifts(schedule, now, 6, { horizonDays: 90 }).map(shiftView),
      gaps: coverageGaps(schedule, now, new Date(now.getTime() + 14 * DAY)).map((g) => ({
        start: iso(g.start),
        end: iso(g.end),
      })),
    });
    if (me)
      for (const shift of nextShifts(schedule, now, 5, { userId: me, horizonDays: 120 }))
        myShifts.push({ ...shiftView(shift), schedule: s.name });
  }
  myShifts.sort((a, b) => a.start.localeCompare(b.start));

  const scheduleName = new Map(schedules.map((s) => [s.id, s.name]));
  const channels = rows<{ id: string; name: string }>(db, 'channels')
    .map((c) => ({ id: c.id, name: c.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const channelName = new Map(channels.map((c) => [c.id, c.name]));
  const policies = rows<PolicyRecord>(db, 'escalation_policies')
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => {
      const steps = z.array(escalationStepSchema).safeParse(p.steps);
      return {
        id: p.id,
        name: p.name,
        repeatCount: p.repeat_count,
        steps: (steps.success ? steps.data : []).map((step) => ({
          waitMinutes: step.waitMinutes,
          draft: step.targets,
          targets: step.targets.map((t) =>
            t.kind === 'schedule'
              ? `on call in ${scheduleName.get(t.scheduleId) ?? 'a removed schedule'}`
              : t.kind === 'members'
                ? t.userIds.map((u) => person(u).name).join(', ')
                : `channel ${channelName.get(t.channelId) ?? t.channelId.slice(0, 8)}`,
          ),
        })),
      };
    });
  const routes = rows<RouteRecord>(db, 'alert_routes');
  const rules = rows<{ id: string; name: string }>(db, 'alert_rules')
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => {
      const route = routes.find((x) => x.rule_id === r.id);
      return {
        id: r.id,
        name: r.name,
        policyId: route?.policy_id ?? null,
        channelIds: route?.channel_ids ?? [],
      };
    });
  const myPages = me
    ? rows<PageRecord>(db, 'escalation_pages')
        .filter((p) => p.user_id === me)
        .sort((a, b) => b.paged_at.localeCompare(a.paged_at))
        .slice(0, 20)
        .map((p) => ({
          id: p.id,
          alertId: p.alert_id,
          summary: p.summary,
          pagedAt: new Date(p.paged_at).toISOString(),
        }))
    : [];
  return { me, schedules, myShifts, policies, rules, channels, people, myPages };
}

/** Creates a schedule with one rotation layer (a weekly rotation in one step). */
export function createRotation(
  deps: OnlineDeps,
  draft: z.output<typeof rotationDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  const length =
    draft.length === 'hours' ? { kind: 'hours' as const, hours: draft.hours ?? 0 } : { kind: draft.length };
  return online('creating a rotation', async () => {
    const created = await deps.api.schedules.create.mutate({
      workspace: deps.workspace,
      name: draft.name,
      layers: [
        {
          memberIds: draft.memberIds,
          length,
          handoffTime: draft.handoffTime,
          timeZone: draft.timeZone,
          startsAt: draft.startsAt,
        },
      ],
    });
    return { id: created.id };
  });
}

export function addOverride(
  deps: OnlineDeps,
  draft: z.output<typeof overrideDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  return online('adding an override', async () => {
    const created = await deps.api.schedules.addOverride.mutate({
      workspace: deps.workspace,
      scheduleId: draft.scheduleId,
      userId: draft.userId,
      startsAt: draft.startsAt,
      endsAt: draft.endsAt,
      reason: draft.reason,
    });
    return { id: created.id };
  });
}

export function removeOverride(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('removing an override', async () => {
    await deps.api.schedules.removeOverride.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

/** Creates a policy, or replaces the one named by `id`. */
export function savePolicy(
  deps: OnlineDeps,
  draft: z.output<typeof policyDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  const { id, ...policy } = draft;
  return online('saving an escalation policy', async () => {
    const saved = id
      ? await deps.api.escalationPolicies.update.mutate({ workspace: deps.workspace, id, ...policy })
      : await deps.api.escalationPolicies.create.mutate({ workspace: deps.workspace, ...policy });
    return { id: saved.id };
  });
}

export function removePolicy(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('removing an escalation policy', async () => {
    await deps.api.escalationPolicies.remove.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

/** Routes an alert rule to a policy (null: none) and channels. */
export function routeRule(deps: OnlineDeps, draft: z.output<typeof routeDraftSchema>): Promise<OnlineResult> {
  return online('routing an alert rule', async () => {
    await deps.api.escalationPolicies.route.mutate({
      workspace: deps.workspace,
      ruleId: draft.ruleId,
      policyId: draft.policyId,
      channelIds: draft.channelIds,
    });
    return {};
  });
}
