import type pg from 'pg';
import { type WorkspaceTx, withWorkspace } from '../db/tx.ts';
import { evaluateRules } from '../monitoring/alerts/rule-engine.ts';
import type { Job } from './scheduler.ts';
import { runSnapshotRetention } from './snapshot-retention.ts';

/** Runs `fn` for each workspace in its own owner transaction with the workspace set. */
async function forEachWorkspace(owner: pg.Pool, fn: (tx: WorkspaceTx) => Promise<void>): Promise<void> {
  const { rows } = await owner.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
  for (const { id } of rows) {
    await withWorkspace(owner, id, { actor: { type: 'system', id: 'scheduler' }, requestId: undefined }, fn);
  }
}

/**
 * The monitoring jobs: time-based rule evaluation (a certificate crosses its threshold with no
 * new scan; an agent goes silent — agent-offline rules), the end of snoozes and maintenance
 * windows (the same evaluation opens what they held back), and snapshot retention
 * (snapshot-retention.ts).
 */
export function monitoringJobs(owner: pg.Pool, opts: { retentionDays: number }): Job[] {
  return [
    {
      name: 'evaluate-time-based-rules',
      everyMs: 60_000,
      run: (now) =>
        forEachWorkspace(owner, async (tx) => {
          await evaluateRules(tx, { timeBasedOnly: true, now });
          // Alerts held back by a snooze or a maintenance window open once it has ended.
          const heldBack = await hostsHeldBack(tx);
          if (heldBack.length > 0) await evaluateRules(tx, { hostIds: heldBack, now });
        }),
    },
    {
      name: 'snapshot-retention',
      everyMs: 6 * 3_600_000,
      run: (now) => runSnapshotRetention(owner, now, opts.retentionDays),
    },
  ];
}

/**
 * Hosts with a rule that fires but has no open alert: held back by a snooze or a maintenance
 * window. Re-evaluating them opens the alert once the suppression is gone.
 */
async function hostsHeldBack(tx: WorkspaceTx): Promise<string[]> {
  const { rows } = await tx.query<{ host_id: string }>(
    `SELECT DISTINCT s.host_id FROM rule_states s JOIN alert_rules r ON r.id = s.rule_id
     WHERE s.result AND s.streak >= r.open_after
       AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.rule_id = s.rule_id AND a.host_id = s.host_id AND a.state = 'open')`,
  );
  return rows.map((r) => r.host_id);
}
