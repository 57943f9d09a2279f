import {
  BURN_ALERTS,
  BURN_WINDOW_MINUTES,
  type BurnWindowMinutes,
  burnAlertsFiring,
  burnRates,
  budgetRemaining,
  type EventCounts,
} from '@vigilo/shared/slo';
import type { WorkspaceTx } from '../db/tx.ts';
import { loadSnapshots, storeSnapshot } from './slo-snapshot.ts';
import type { SloRow } from './slos.ts';

/** Good and total scans of one SLO over its whole window and over each burn-rate window. */
export type SloCounts = { window: EventCounts; burn: Record<BurnWindowMinutes, EventCounts> };

type CountRow = { total: string; good: string } & Record<
  `t${BurnWindowMinutes}` | `g${BurnWindowMinutes}`,
  string
>;

/**
 * Counts an SLO's events in one statement, in Postgres: every scan of a covered host in the SLO's
 * window (index snapshots_host_time), except scans taken inside a maintenance window covering that
 * host — repeating windows included, with the rule engine's arithmetic. A window covers only its
 * own span: a change that overruns its planned window (the maintenance window an approved change
 * opened) counts from the planned end on. Latency SLOs count handshakes only: an unreachable scan
 * has no handshake to time (availability SLOs count it).
 */
export async function countSloEvents(tx: WorkspaceTx, slo: SloRow, now: Date): Promise<SloCounts> {
  const filters = BURN_WINDOW_MINUTES.map(
    (m) =>
      `count(*) FILTER (WHERE scanned_at > $6::timestamptz - interval '${m} minutes') AS t${m},
       count(*) FILTER (WHERE good AND scanned_at > $6::timestamptz - interval '${m} minutes') AS g${m}`,
  ).join(',\n');
  const { rows } = await tx.query<CountRow>(
    `WITH scoped AS (
       SELECT id, tags FROM hosts
       WHERE workspace_id = $1 AND (id = $2::uuid OR ($3::text IS NOT NULL AND $3 = ANY(tags)))
     ), windows AS (
       SELECT host_ids, tags, starts_at, ends_at, repeat_days FROM maintenance_windows
       WHERE workspace_id = $1 AND starts_at <= $6 AND (repeat_days IS NOT NULL OR ends_at > $6::timestamptz - make_interval(days => $7))
     ), scans AS (
       SELECT s.scanned_at, CASE WHEN $4 = 'availability' THEN s.reachable ELSE s.handshake_ms < $5 END AS good
       FROM scoped h JOIN snapshots s ON s.workspace_id = $1 AND s.host_id = h.id
       WHERE s.scanned_at > $6::timestamptz - make_interval(days => $7) AND s.scanned_at <= $6
         AND ($4 = 'availability' OR (s.reachable AND s.handshake_ms IS NOT NULL))
         AND NOT EXISTS (
           SELECT 1 FROM windows w
           WHERE (h.id = ANY(w.host_ids) OR h.tags && w.tags) AND s.scanned_at >= w.starts_at AND (
             (w.repeat_days IS NULL AND s.scanned_at < w.ends_at) OR
             (w.repeat_days IS NOT NULL AND extract(epoch FROM (s.scanned_at - w.starts_at))::bigint % (w.repeat_days * 86400)
               < extract(epoch FROM (w.ends_at - w.starts_at)))))
     )
     SELECT count(*) AS total, count(*) FILTER (WHERE good) AS good, ${filters} FROM scans`,
    [tx.workspaceId, slo.host_id, slo.tag, slo.kind, slo.threshold_ms, now, slo.window_days],
  );
  const r = rows[0] as CountRow;
  const burn = {} as Record<BurnWindowMinutes, EventCounts>;
  for (const m of BURN_WINDOW_MINUTES) burn[m] = { total: Number(r[`t${m}`]), good: Number(r[`g${m}`]) };
  return { window: { total: Number(r.total), good: Number(r.good) }, burn };
}

/**
 * Evaluates every SLO of the workspace at `now`: stores its counts and burn rates (and, when they
 * moved enough to show, the snapshot desktops replicate), and opens or resolves its burn-rate
 * alerts through the alerts table — the same rows, audit actions and events (`alert.opened` /
 * `alert.resolved`) as the rule engine's, so channels, the inbox and acknowledgement treat them
 * alike. An SLO alert's source is the SLO itself (migration 0018), not a rule: a rule is a
 * predicate over one host's latest facts, evaluated per scan, and a burn rate is a ratio over many
 * hosts' history; a rule standing in for it would show in the rules list, be editable there and
 * evaluate to nothing. Deduplicated per (SLO, severity) like (rule, host): one open page
 * (critical) and one open ticket (warning) at most.
 */
export async function evaluateSlos(
  tx: WorkspaceTx,
  now: Date,
): Promise<{ opened: number; resolved: number }> {
  // Every statement names the workspace although row security binds it: the scheduler runs this
  // on the owner pool, and an owner that is a superuser (a test cluster's) is not bound by it.
  const slos = (
    await tx.query<SloRow>('SELECT * FROM slos WHERE workspace_id = $1 ORDER BY id FOR UPDATE', [
      tx.workspaceId,
    ])
  ).rows;
  if (slos.length === 0) return { opened: 0, resolved: 0 };
  const open = new Map(
    (
      await tx.query<{ id: string; slo_id: string; severity: string }>(
        "SELECT id, slo_id, severity FROM alerts WHERE workspace_id = $1 AND slo_id IS NOT NULL AND state = 'open' ORDER BY id FOR UPDATE",
        [tx.workspaceId],
      )
    ).rows.map((a) => [`${a.slo_id}/${a.severity}`, a.id]),
  );
  const snapshots = await loadSnapshots(tx);
  const engine = tx.as({ type: 'system', id: 'slo-evaluator' });
  let opened = 0;
  let resolved = 0;
  for (const slo of slos) {
    const counts = await countSloEvents(tx, slo, now);
    const objective = Number(slo.objective);
    const rates = burnRates(counts.burn, objective);
    await tx.query(
      'UPDATE slos SET good = $2, total = $3, burn_rates = $4, evaluated_at = $5 WHERE id = $1',
      [slo.id, counts.window.good, counts.window.total, rates, now],
    );
    const firing = burnAlertsFiring(rates);
    const left = budgetRemaining(counts.window, objective);
    // What desktops replicate: rewritten only when it moved enough to show (slo-snapshot.ts).
    await storeSnapshot(tx, slo.id, snapshots.get(slo.id), {
      window: counts.window,
      budgetRemaining: left,
      burnRates: rates,
      firing: BURN_ALERTS.filter((a) => firing.has(a.kind)).map((a) => a.kind),
      evaluatedAt: now,
    });
    for (const a of BURN_ALERTS) {
      const alertId = open.get(`${slo.id}/${a.severity}`);
      const summary =
        `SLO ${slo.name} burns its error budget at ${rates[a.longMinutes].toFixed(1)}× over ${label(a.longMinutes)} ` +
        `and ${rates[a.shortMinutes].toFixed(1)}× over ${label(a.shortMinutes)} (${a.kind} at ${a.burnRate}×); ` +
        `${Math.round(left * 100)} % of the ${slo.window_days}-day budget left`;
      const subject = {
        sloId: slo.id,
        slo: slo.name,
        burnAlert: a.kind,
        hostId: slo.host_id,
        severity: a.severity,
      };
      if (firing.has(a.kind) && !alertId) {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO alerts (workspace_id, slo_id, host_id, severity, summary, opened_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [tx.workspaceId, slo.id, slo.host_id, a.severity, summary, now],
        );
        const id = rows[0]?.id ?? '';
        await engine.record({
          action: 'alert.opened',
          target: { type: 'alert', id },
          summary: { after: { ...subject, summary } },
          event: 'alert.opened',
          payload: { alertId: id, ...subject, summary },
        });
        opened += 1;
      } else if (!firing.has(a.kind) && alertId) {
        await tx.query("UPDATE alerts SET state = 'resolved', resolved_at = $2 WHERE id = $1", [
          alertId,
          now,
        ]);
        await engine.record({
          action: 'alert.resolved',
          target: { type: 'alert', id: alertId },
          summary: { after: { ...subject, summary } },
          event: 'alert.resolved',
          payload: { alertId, ...subject, summary },
        });
        resolved += 1;
      }
    }
  }
  return { opened, resolved };
}

function label(minutes: number): string {
  return minutes < 60 ? `${minutes} min` : `${minutes / 60} h`;
}
