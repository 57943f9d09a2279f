import { transitionIncident } from '../../incidents/incident-actions.ts';
import { noteIncident } from '../../incidents/incident-timeline.ts';
import type { KindHandlers } from '../mutation-def.ts';

/**
 * The on-call engineer's offline incident actions: the same operations as incidents.note and
 * incidents.transition; refusals become conflicts in apply.ts.
 */
export const incidentKinds = {
  'incident.note': async (tx, args, actor, now) => {
    const note = await noteIncident(tx, { ...args, actor, now });
    return { id: note.id, at: note.at.toISOString() };
  },
  'incident.transition': async (tx, args, actor, now) => {
    const incident = await transitionIncident(tx, { ...args, actor, now });
    return { id: incident.id, state: incident.state };
  },
} satisfies Partial<KindHandlers>;
