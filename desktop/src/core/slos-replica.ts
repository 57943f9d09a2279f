import { attainment, BURN_ALERTS, type BurnAlertKind } from '@vigilo/shared/slo';
import type Database from 'better-sqlite3';
import type { OnlineResult } from '../bridge/changes.ts';
import type { Source } from '../bridge/people-admin.ts';
import type { PolicyChoice, SloView } from '../bridge/reliability.ts';
import type { OnlineDeps } from './hosts-online.ts';
import { listSlos, policyChoices } from './reliability-online.ts';

/**
 * SLOs offline: the replica holds their definitions (`slos`) and a snapshot of each one's last
 * evaluation (`slo_status`, rewritten by the server when it moved enough to show; server
 * migration 0026). Online the SLO page and the inbox's strip ask the server, whose figures are a
 * minute old at most; offline they read these, each with the time it was evaluated ("as of"),
 * read-only.
 */

type SloRecord = {
  id: string;
  name: string;
  kind: SloView['kind'];
  host_id: string | null;
  tag: string | null;
  objective: number | string;
  window_days: number;
  threshold_ms: number | null;
  escalation_policy_id: string | null;
  created_at: string;
};

type StatusRecord = {
  good: number;
  total: number;
  budget_remaining: number;
  burn_rates: Partial<Record<string, number>>;
  firing: string[];
  evaluated_at: string;
};

const KINDS = new Set<string>(BURN_ALERTS.map((a) => a.kind));

function records<T>(db: Database.Database, tbl: string): Map<string, T> {
  const rows = db
    .prepare<[string], { id: string; data: string }>('SELECT id, data FROM records WHERE tbl = ?')
    .all(tbl);
  return new Map(rows.map((r) => [r.id, JSON.parse(r.data) as T]));
}

/**
 * Every replicated SLO by name, with its snapshot. One not evaluated yet shows an untouched
 * budget as of its creation, as the server's slos.list does.
 */
export function replicaSlos(db: Database.Database): SloView[] {
  const statuses = records<StatusRecord>(db, 'slo_status');
  const hosts = new Map(
    db
      .prepare<[], { id: string; hostname: string }>('SELECT id, hostname FROM hosts')
      .all()
      .map((h) => [h.id, h.hostname]),
  );
  return [...records<SloRecord>(db, 'slos').values()]
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
    .map((s): SloView => {
      const status = statuses.get(s.id);
      const window = { good: Number(status?.good ?? 0), total: Number(status?.total ?? 0) };
      const rate = (m: number) => status?.burn_rates[String(m)] ?? 0;
      return {
        id: s.id,
        name: s.name,
        kind: s.kind,
        scope: s.host_id ? (hosts.get(s.host_id) ?? 'a host') : `tag ${s.tag ?? ''}`,
        hostId: s.host_id,
        tag: s.host_id ? null : s.tag,
        objective: Number(s.objective),
        windowDays: s.window_days,
        thresholdMs: s.threshold_ms,
        escalationPolicyId: s.escalation_policy_id,
        good: window.good,
        total: window.total,
        attainment: attainment(window),
        budgetRemaining: status?.budget_remaining ?? 1,
        burnRates: { '5': rate(5), '30': rate(30), '60': rate(60), '360': rate(360) },
        firing: (status?.firing ?? []).filter((k): k is BurnAlertKind => KINDS.has(k)),
        evaluatedAt: new Date(status?.evaluated_at ?? s.created_at).toISOString(),
      };
    });
}

/**
 * The SLOs from the server; when it cannot be reached, from the replica with `offline` saying
 * why they cannot be changed now (the page shows them read-only, each as of its evaluation).
 */
export async function listSlosOrReplica(
  deps: OnlineDeps,
): Promise<OnlineResult<{ slos: SloView[]; policies: PolicyChoice[] } & Source>> {
  const answer = await listSlos(deps);
  if (answer.ok) return { ...answer, offline: undefined };
  if (answer.reason !== 'offline') return answer;
  return {
    ok: true,
    slos: replicaSlos(deps.db),
    policies: policyChoices(deps.db),
    offline: 'Offline: these are the SLOs this computer last synced, each as of its evaluation',
  };
}
