import {
  cabDecisionInput,
  cabMeetingCreateInput,
  cabMeetingUpdateInput,
  refineMeetingTimes,
} from '@vigilo/shared/cab-inputs';
import { instant } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { addCabDecision } from '../../changes/cab-decisions.ts';
import { createMeeting, refreshAgenda, updateMeeting } from '../../changes/cab-meetings.ts';
import { getMeeting, listMeetings } from '../../changes/cab-views.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const meetingRef = z.object({ workspace: workspaceRef, id: z.uuid('id must be a meeting id') });

/** Change advisory board meetings, their agendas and decisions (server/src/changes/cab-*.ts). */
export const cabRouter = router({
  /** Meetings, the latest first; with `from`, only those not over by then. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, from: instant('from').optional() }))
    .query(({ ctx, input }) => ctx.tx((tx) => listMeetings(tx, input.from))),

  /** One meeting with its attendees and its agenda, each change with its CAB step and decision. */
  get: workspaceProcedure
    .input(meetingRef)
    .query(({ ctx, input }) => ctx.tx((tx) => getMeeting(tx, input.id))),

  /** Plans a meeting; its agenda fills from the submitted changes its filter matches. */
  create: workspaceProcedure
    .input(cabMeetingCreateInput.extend({ workspace: workspaceRef }).superRefine(refineMeetingTimes))
    .mutation(({ ctx, input: { workspace: _, ...meeting } }) =>
      ctx.tx((tx) => createMeeting(tx, meeting, ctx.auth.actor, ctx.services.clock())),
    ),

  /** Edits a planned meeting (a new filter or start fills the agenda again), or closes or cancels it. */
  update: workspaceProcedure
    .input(cabMeetingUpdateInput.extend({ workspace: workspaceRef }).superRefine(refineMeetingTimes))
    .mutation(({ ctx, input: { workspace: _, ...patch } }) =>
      ctx.tx((tx) => updateMeeting(tx, patch, ctx.services.clock())),
    ),

  /** Fills the agenda again from the filter: changes submitted since, less those withdrawn. */
  refreshAgenda: workspaceProcedure
    .input(meetingRef)
    .mutation(({ ctx, input }) => ctx.tx((tx) => refreshAgenda(tx, input.id, ctx.services.clock()))),

  /** Records the board's decision on a change of the agenda: the approval of its CAB step. */
  addDecision: workspaceProcedure
    .input(cabDecisionInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...decision } }) =>
      ctx.tx((tx) => addCabDecision(tx, decision, ctx.auth.actor, ctx.services.clock())),
    ),
});
