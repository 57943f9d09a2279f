import {
  assessRisk,
  PRODUCTION_TAG,
  type RiskAnswers,
  type RiskAssessment,
  type RiskFacts,
} from '@vigilo/shared/change-risk';
import type { WorkspaceTx } from '../db/tx.ts';
import { openIncidentsOn } from './incident-links.ts';

/**
 * A change's risk: the questionnaire and rules are pure (shared/src/change-risk.ts); this module
 * only gathers the facts the rules read, from the change's hosts as they are now. The hosts a
 * change affects are those it names and those carrying one of its tags.
 */

/** What risk is assessed from: the change's answers, hosts, tags and planned start. */
export type RiskSubject = {
  answers: RiskAnswers;
  hostIds: readonly string[];
  tags: readonly string[];
  plannedStart: Date | null;
};

/** Scores a change at `now` (the lead time counts from it). */
export async function scoreChange(tx: WorkspaceTx, subject: RiskSubject, now: Date): Promise<RiskAssessment> {
  return assessRisk(subject.answers, await riskFacts(tx, subject, now));
}

/** The facts the risk rules read, gathered in the workspace transaction. */
export async function riskFacts(tx: WorkspaceTx, subject: RiskSubject, now: Date): Promise<RiskFacts> {
  const hosts = await affectedHosts(tx, subject.hostIds, subject.tags);
  const production = hosts.filter((h) => h.tags.includes(PRODUCTION_TAG)).map((h) => h.hostname);
  if (production.length === 0 && subject.tags.includes(PRODUCTION_TAG))
    production.push(`hosts tagged ${PRODUCTION_TAG}`);
  const ids = hosts.map((h) => h.id);
  const openProblems =
    ids.length === 0 ? [] : [...(await criticalAlertsOn(tx, ids)), ...(await openIncidentsOn(tx, ids))];
  return {
    leadTimeHours: subject.plannedStart
      ? (subject.plannedStart.getTime() - now.getTime()) / 3_600_000
      : undefined,
    production: shortList(production),
    openProblems: shortList(openProblems),
  };
}

type Host = { id: string; hostname: string; tags: string[] };

/** The hosts a change names and those carrying one of its tags. */
export async function affectedHosts(
  tx: WorkspaceTx,
  hostIds: readonly string[],
  tags: readonly string[],
): Promise<Host[]> {
  if (hostIds.length === 0 && tags.length === 0) return [];
  const { rows } = await tx.query<Host>(
    `SELECT id, hostname, tags FROM hosts WHERE id = ANY($1::uuid[]) OR tags && $2::text[] ORDER BY hostname, port`,
    [hostIds, tags],
  );
  return rows;
}

async function criticalAlertsOn(tx: WorkspaceTx, hostIds: string[]): Promise<string[]> {
  const { rows } = await tx.query<{ hostname: string; summary: string }>(
    `SELECT h.hostname, a.summary FROM alerts a JOIN hosts h ON h.id = a.host_id
     WHERE a.host_id = ANY($1) AND a.state = 'open' AND a.severity = 'critical' ORDER BY a.opened_at`,
    [hostIds],
  );
  return rows.map((r) => `critical alert on ${r.hostname} (${r.summary})`);
}

/** At most five items, then how many more: reasons stay readable on forty hosts. */
function shortList(items: string[]): string[] {
  return items.length <= 5 ? items : [...items.slice(0, 5), `and ${items.length - 5} more`];
}
