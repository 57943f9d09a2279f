import type { World } from '@vigilo/tests/support/world';
import { CALM, inAcme, WS } from './support.ts';

/** Helpers of the change-calendar tests (freeze windows, collisions, CAB, renewals). */

const HOUR = 3_600_000;

/** A window starting `fromHours` after `now`, lasting `hours`. */
export function span(now: Date, fromHours: number, hours = 2): { plannedStart: Date; plannedEnd: Date } {
  const plannedStart = new Date(now.getTime() + fromHours * HOUR);
  return { plannedStart, plannedEnd: new Date(plannedStart.getTime() + hours * HOUR) };
}

type ChangeFields = {
  title: string;
  type?: 'normal' | 'emergency';
  plannedStart: Date;
  plannedEnd: Date;
  affectedHostIds?: string[];
  affectedTags?: string[];
  alertIds?: string[];
  certificateFingerprint?: string;
};

/**
 * A change raised by the member, submitted and approved by the approver (the default policy: one
 * approval), the way people do it through the API. Returns its id.
 */
export async function approvedChange(world: World, fields: ChangeFields): Promise<string> {
  const member = world.client('member');
  const { id } = await member.changes.create.mutate({ workspace: WS, riskAnswers: CALM, ...fields });
  await member.changes.transition.mutate({ workspace: WS, id, to: 'submitted' });
  const { approvals } = await member.changes.get.query({ workspace: WS, id });
  const pending = approvals.find((a) => a.state === 'pending');
  if (!pending) throw new Error(`no pending approval on ${fields.title}`);
  await world
    .client('approver')
    .approvals.decide.mutate({ workspace: WS, requestId: pending.requestId, decision: 'approve' });
  return id;
}

/** The events of one type about a change, with their payloads, oldest first. */
export async function eventsAbout(
  world: World,
  type: string,
  key: string,
  id: string,
): Promise<Array<Record<string, unknown>>> {
  const { rows } = await inAcme(world, (q) =>
    q<{ payload: Record<string, unknown> }>(
      'SELECT payload FROM events WHERE type = $1 AND payload->>$2 = $3 ORDER BY seq',
      [type, key, id],
    ),
  );
  return rows.map((r) => r.payload);
}
