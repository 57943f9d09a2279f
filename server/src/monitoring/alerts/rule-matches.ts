import {
  type AlertPredicate,
  type AlertScope,
  evaluate,
  type HostFacts,
  inScope,
} from '@vigilo/shared/alert-rules';
import type { WorkspaceTx } from '../../db/tx.ts';

/**
 * How many hosts a rule covers now, and how many of them its predicate holds for: what an admin
 * sees beside a rule and while editing one ("matches 12 hosts, 2 firing now"). Read-only: the
 * rule engine's streaks, snoozes and maintenance are not consulted, so `firing` is the condition
 * as of the hosts' last scans, not the alerts open (those are counted apart).
 */
export type RuleMatches = {
  /** Active hosts in the rule's scope. */
  hosts: number;
  /** Of those, how many the predicate holds for at their last scan. */
  firing: number;
  /** In scope but never scanned: they cannot fire yet. */
  unscanned: number;
};

type HostRow = {
  id: string;
  tags: string[];
  agent_last_seen: Date | null;
  reachable: boolean | null;
  consecutive_unreachable: number | null;
  facts: Partial<HostFacts> | null;
};

/** Facts unknown until a scan says otherwise: unknown facts never fire. */
const UNKNOWN: HostFacts = {
  reachable: true,
  consecutiveUnreachable: 0,
  grade: null,
  notAfter: null,
  chainTrusted: null,
  hostnameMatch: null,
  ocspStapled: null,
  protocols: null,
  handshakeMs: null,
  agentLastSeen: null,
};

/** The matches of each rule given, in order, over the workspace's active hosts (one query). */
export async function ruleMatches(
  tx: WorkspaceTx,
  rules: ReadonlyArray<{ predicate: AlertPredicate; scope: AlertScope }>,
  now: Date,
): Promise<RuleMatches[]> {
  if (rules.length === 0) return [];
  const { rows: hosts } = await tx.query<HostRow>(
    `SELECT h.id, h.tags, a.last_seen_at AS agent_last_seen, s.reachable, s.consecutive_unreachable, s.facts
     FROM hosts h LEFT JOIN host_status s ON s.host_id = h.id LEFT JOIN agents a ON a.id = h.agent_id
     WHERE h.workspace_id = $1 AND h.active`,
    [tx.workspaceId],
  );
  return rules.map((rule) => {
    const counts: RuleMatches = { hosts: 0, firing: 0, unscanned: 0 };
    for (const host of hosts) {
      if (!inScope(rule.scope, host)) continue;
      counts.hosts += 1;
      if (host.reachable === null) {
        counts.unscanned += 1;
        continue;
      }
      const facts: HostFacts = {
        ...UNKNOWN,
        ...host.facts,
        reachable: host.reachable,
        consecutiveUnreachable: host.consecutive_unreachable ?? 0,
        agentLastSeen: host.agent_last_seen?.toISOString() ?? null,
      };
      if (evaluate(rule.predicate, facts, now).firing) counts.firing += 1;
    }
    return counts;
  });
}

/** Open alerts per rule id. */
export async function openAlertsByRule(tx: WorkspaceTx): Promise<Map<string, number>> {
  const { rows } = await tx.query<{ rule_id: string; open: number }>(
    "SELECT rule_id, count(*)::int AS open FROM alerts WHERE state = 'open' GROUP BY rule_id",
  );
  return new Map(rows.map((r) => [r.rule_id, r.open]));
}
