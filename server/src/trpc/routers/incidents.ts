import { randomUUID } from 'node:crypto';
import { incidentSeveritySchema, incidentStateSchema } from '@vigilo/shared/incident-states';
import { instant, text } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';
import { openIncident, transitionIncident, updateIncident } from '../../incidents/incident-actions.ts';
import { linkIncident } from '../../incidents/incident-links.ts';
import { noteIncident } from '../../incidents/incident-timeline.ts';
import { getIncident, listIncidents } from '../../incidents/incident-views.ts';
import { writePostmortem } from '../../incidents/postmortem.ts';

const id = z.uuid('id must be an incident id');
const title = text('title')
  .trim()
  .min(1, 'title must not be empty')
  .max(200, 'title must be at most 200 characters');
const summary = text('summary').max(10_000, 'summary must be at most 10000 characters');
const note = text('note')
  .trim()
  .min(1, 'note must not be empty')
  .max(4000, 'note must be at most 4000 characters');
const ids = (name: string, what: string) =>
  z
    .array(z.uuid(`${name} must hold ${what} ids`))
    .max(100, `${name} holds at most 100 ids`)
    .optional();
const targets = {
  hostIds: ids('hostIds', 'host'),
  alertIds: ids('alertIds', 'alert'),
  changeIds: ids('changeIds', 'change'),
};

export const incidentsRouter = router({
  /** Incidents newest first; `alertId`, `hostId` or `changeId` gives the incidents linked to it. */
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        states: z.array(incidentStateSchema).optional(),
        severity: incidentSeveritySchema.optional(),
        commanderId: z.uuid('commanderId must be a user id').optional(),
        alertId: z.uuid('alertId must be an alert id').optional(),
        hostId: z.uuid('hostId must be a host id').optional(),
        changeId: z.uuid('changeId must be a change id').optional(),
        cursor: z.object({ openedAt: instant('cursor.openedAt'), id: z.uuid() }).optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.tx((tx) =>
        listIncidents(tx, {
          ...input,
          linked: input.alertId
            ? { type: 'alert', id: input.alertId }
            : input.hostId
              ? { type: 'host', id: input.hostId }
              : input.changeId
                ? { type: 'change', id: input.changeId }
                : undefined,
        }),
      ),
    ),

  /** One incident with its links, timeline, tasks and postmortem. */
  get: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .query(({ ctx, input }) => ctx.tx((tx) => getIncident(tx, input.id))),

  /**
   * Opens an incident. From an alert (`fromAlertId`), title and severity may be left out and the
   * alert and its host are linked; otherwise both are required.
   */
  create: workspaceProcedure
    .input(
      z
        .object({
          workspace: workspaceRef,
          title: title.optional(),
          summary: summary.optional(),
          severity: incidentSeveritySchema.optional(),
          commanderId: z.uuid('commanderId must be a user id').optional(),
          fromAlertId: z.uuid('fromAlertId must be an alert id').optional(),
          ...targets,
        })
        .refine((i) => i.fromAlertId || i.title, {
          message: 'give a title, or open the incident from an alert',
          path: ['title'],
        })
        .refine((i) => i.fromAlertId || i.severity, {
          message: 'give a severity, or open the incident from an alert',
          path: ['severity'],
        }),
    )
    .mutation(({ ctx, input: { workspace: _, hostIds, alertIds, changeIds, ...fields } }) =>
      ctx.tx((tx) =>
        openIncident(tx, {
          ...fields,
          targets: { hostIds, alertIds, changeIds },
          actor: ctx.auth.actor,
          now: ctx.services.clock(),
        }),
      ),
    ),

  /** Changes title, summary, severity or commander (null: none); what is left out is kept. */
  update: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id,
        title: title.optional(),
        summary: summary.optional(),
        severity: incidentSeveritySchema.optional(),
        commanderId: z.uuid('commanderId must be a user id').nullable().optional(),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, id: incidentId, ...patch } }) =>
      ctx.tx((tx) =>
        updateIncident(tx, { incidentId, patch, actor: ctx.auth.actor, now: ctx.services.clock() }),
      ),
    ),

  /** Moves the incident to `to`; `expectedState` refuses the move if it moved meanwhile. */
  transition: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id,
        to: incidentStateSchema,
        expectedState: incidentStateSchema.optional(),
        note: note.optional(),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, id: incidentId, ...move } }) =>
      ctx.tx((tx) =>
        transitionIncident(tx, { incidentId, ...move, actor: ctx.auth.actor, now: ctx.services.clock() }),
      ),
    ),

  /** Adds a note to the timeline; `noteId` (optional) makes a retry the same note. */
  note: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id,
        noteId: z.uuid('noteId must be a uuid').optional(),
        body: text('body')
          .trim()
          .min(1, 'body must not be empty')
          .max(4000, 'body must be at most 4000 characters'),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        noteIncident(tx, {
          incidentId: input.id,
          noteId: input.noteId ?? randomUUID(),
          body: input.body,
          actor: ctx.auth.actor,
          now: ctx.services.clock(),
        }),
      ),
    ),

  /** Links hosts, alerts (with their hosts) and changes; linking one twice changes nothing. */
  link: workspaceProcedure
    .input(
      z
        .object({ workspace: workspaceRef, id, ...targets })
        .refine(
          (l) => (l.hostIds?.length ?? 0) + (l.alertIds?.length ?? 0) + (l.changeIds?.length ?? 0) > 0,
          {
            message: 'link at least one host, alert or change',
            path: ['hostIds'],
          },
        ),
    )
    .mutation(({ ctx, input: { workspace: _, id: incidentId, ...links } }) =>
      ctx.tx((tx) =>
        linkIncident(tx, { incidentId, targets: links, actor: ctx.auth.actor, now: ctx.services.clock() }),
      ),
    ),

  /** Writes the postmortem of a resolved incident; each follow-up becomes a task of it. */
  postmortem: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id,
        summary: text('summary').trim().min(1, 'summary must not be empty').max(20_000),
        rootCause: text('rootCause').trim().min(1, 'rootCause must not be empty').max(20_000).optional(),
        followUps: z
          .array(
            z.object({
              title: text('title').trim().min(1, 'title must not be empty').max(200),
              description: text('description').max(10_000).optional(),
              assigneeId: z.uuid('assigneeId must be a user id').optional(),
              dueAt: instant('dueAt').optional(),
            }),
          )
          .max(50, 'followUps holds at most 50 actions')
          .default([]),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, id: incidentId, ...pm } }) =>
      ctx.tx((tx) =>
        writePostmortem(tx, { incidentId, ...pm, actor: ctx.auth.actor, now: ctx.services.clock() }),
      ),
    ),
});
