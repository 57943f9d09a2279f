import { z } from 'zod';

/**
 * The incident lifecycle as data: its severities, its states and which moves between them are
 * allowed. Pure, so the server enforces it (server/src/incidents/incident-actions.ts) and the
 * desktop shows only the buttons that will be accepted, from the same table.
 */

/** SEV1 is the worst: customers down. SEV4 is a minor issue handled in working hours. */
export const INCIDENT_SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];
export const incidentSeveritySchema = z.enum(INCIDENT_SEVERITIES, {
  error: `severity must be one of ${INCIDENT_SEVERITIES.join(', ')}`,
});

/** In lifecycle order: every state but `closed` may move forward; `closed` is final. */
export const INCIDENT_STATES = ['investigating', 'identified', 'monitoring', 'resolved', 'closed'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
export const incidentStateSchema = z.enum(INCIDENT_STATES, {
  error: `state must be one of ${INCIDENT_STATES.join(', ')}`,
});

/**
 * The allowed moves from each state.
 * - Forward, skipping steps where the world does: an incident can resolve itself while still
 *   investigated, or a fix can go straight to monitoring. Closing only after resolving, so every
 *   closed incident has a resolution time.
 * - Back to investigating when the fix did not hold: from monitoring (the usual case) and from
 *   resolved (reopening). Without the first, people would resolve and reopen, recording a false
 *   resolution. Other moves back (identified → investigating) are refused: a wrong cause is a
 *   note on the timeline, not a state.
 * - `closed` is final: the postmortem is done; a recurrence is a new incident.
 */
export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentState, readonly IncidentState[]>> = {
  investigating: ['identified', 'monitoring', 'resolved'],
  identified: ['monitoring', 'resolved'],
  monitoring: ['resolved', 'investigating'],
  resolved: ['closed', 'investigating'],
  closed: [],
};

/** States in which the incident is still being worked on (shown as open). */
export const OPEN_INCIDENT_STATES: readonly IncidentState[] = ['investigating', 'identified', 'monitoring'];

/** The states `from` may move to, in the order the desktop shows them. */
export function allowedTransitions(from: IncidentState): readonly IncidentState[] {
  return INCIDENT_TRANSITIONS[from];
}

/** True when moving from `from` to `to` is allowed. */
export function canTransition(from: IncidentState, to: IncidentState): boolean {
  return INCIDENT_TRANSITIONS[from].includes(to);
}

/**
 * Why a move is refused, in words that name what is allowed instead; undefined when it is
 * allowed. The server answers with this message, so both programs say the same thing.
 */
export function transitionRefusal(from: IncidentState, to: IncidentState): string | undefined {
  if (canTransition(from, to)) return undefined;
  const allowed = INCIDENT_TRANSITIONS[from];
  const instead =
    allowed.length === 0 ? `${from} is final` : `from ${from} it may go to ${allowed.join(', ')}`;
  return from === to
    ? `the incident is already ${to}; ${instead}`
    : `an incident cannot go from ${from} to ${to}; ${instead}`;
}
