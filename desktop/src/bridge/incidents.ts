import {
  type IncidentState,
  incidentSeveritySchema,
  incidentStateSchema,
} from '@vigilo/shared/incident-states';
import { z } from 'zod';
import type { Person } from './changes.ts';

/**
 * The bridge's view of incidents: the list with its filters, one incident with its timeline,
 * links and tasks, and opening one (online). Notes and moves go through the outbox
 * (incident.note, incident.transition). Pure data, like contract.ts.
 */

export const incidentFilterSchema = z.object({
  text: z.string().max(200).optional(),
  /** A state, or `open` for every state still worked on (the default view). */
  state: z.union([incidentStateSchema, z.literal('open')]).optional(),
  severity: incidentSeveritySchema.optional(),
});
export type IncidentFilter = z.input<typeof incidentFilterSchema>;

export type IncidentListRow = {
  id: string;
  title: string;
  severity: string;
  state: string;
  commander: Person | undefined;
  openedAt: string;
  /** True while an outbox entry for this incident waits for the server. */
  pending: boolean;
};

export type IncidentTimelineEntry = {
  id: string;
  kind: string;
  at: string;
  by: string;
  /** A note's text, or the words given with a move. */
  body: string | undefined;
  /** What the entry records, in words (a move's states, what was linked). */
  what: string;
  pending: boolean;
};

export type IncidentDetail = {
  id: string;
  title: string;
  summary: string;
  severity: string;
  state: IncidentState;
  commander: Person | undefined;
  openedAt: string;
  resolvedAt: string | undefined;
  closedAt: string | undefined;
  /** The states it may move to now (shared/src/incident-states.ts). */
  allowedTransitions: IncidentState[];
  hosts: Array<{ id: string; name: string }>;
  alerts: Array<{ id: string; name: string }>;
  changes: Array<{ id: string; name: string }>;
  timeline: IncidentTimelineEntry[];
  tasks: Array<{
    id: string;
    title: string;
    status: string;
    assignee: Person | undefined;
    dueAt: string | undefined;
  }>;
  postmortem: { summary: string; rootCause: string | undefined } | undefined;
  pending: boolean;
};

/** Opens an incident: from an alert (title and severity may be left out), or from scratch. */
export const incidentOpenSchema = z.object({
  fromAlertId: z.string().max(100).optional(),
  title: z.string().max(1000).optional(),
  severity: incidentSeveritySchema.optional(),
  summary: z.string().max(10_000).optional(),
});
export type IncidentOpen = z.input<typeof incidentOpenSchema>;
