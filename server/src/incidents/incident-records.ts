import type { IncidentSeverity, IncidentState } from '@vigilo/shared/incident-states';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';

/** An incident's row as stored (0010_incidents.sql). */
export type IncidentRow = {
  id: string;
  title: string;
  summary: string;
  severity: IncidentSeverity;
  state: IncidentState;
  commander_id: string | null;
  opened_by: string;
  opened_at: Date;
  resolved_at: Date | null;
  closed_at: Date | null;
  updated_at: Date;
  postmortem_summary: string | null;
  postmortem_root_cause: string | null;
  postmortem_by: string | null;
  postmortem_at: Date | null;
};

/** An incident as the API answers it. */
export type Incident = {
  id: string;
  title: string;
  summary: string;
  severity: IncidentSeverity;
  state: IncidentState;
  commanderId: string | null;
  openedBy: string;
  openedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  updatedAt: Date;
  postmortem: { summary: string; rootCause: string | null; writtenBy: string | null; writtenAt: Date } | null;
};

export function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    title: r.title,
    summary: r.summary,
    severity: r.severity,
    state: r.state,
    commanderId: r.commander_id,
    openedBy: r.opened_by,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
    updatedAt: r.updated_at,
    postmortem:
      r.postmortem_summary !== null && r.postmortem_at !== null
        ? {
            summary: r.postmortem_summary,
            rootCause: r.postmortem_root_cause,
            writtenBy: r.postmortem_by,
            writtenAt: r.postmortem_at,
          }
        : null,
  };
}

/** The refusal for an incident that is not in this workspace (unknown or another tenant's: alike). */
export const noIncident = () => new ActionRefused('not_found', 'no such incident in this workspace');

/**
 * Locks the incident for the rest of the transaction, so concurrent changes to it apply one
 * after the other, each to the state the previous one left; refuses one not in this workspace.
 */
export async function lockIncident(tx: WorkspaceTx, id: string): Promise<IncidentRow> {
  const { rows } = await tx.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [id]);
  const row = rows[0];
  if (!row) throw noIncident();
  return row;
}

/** Refuses a change to a closed incident: closed is final (shared/src/incident-states.ts). */
export function requireNotClosed(row: IncidentRow, what: string): void {
  if (row.state === 'closed')
    throw new ActionRefused('already_decided', `the incident is closed; ${what} is no longer possible`);
}
