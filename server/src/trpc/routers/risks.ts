import { riskRating, riskStatusSchema, riskTreatmentSchema } from '@vigilo/shared/risk-heatmap';
import { instant, text } from '@vigilo/shared/safe-input';
import { taskStatusSchema } from '@vigilo/shared/work';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';
import { addRiskTask, createRisk, removeRisk, updateRisk } from '../../compliance/risks/risk-actions.ts';
import { getRisk, listRisks, listRiskSignals, riskHeatmapOf } from '../../compliance/risks/risk-views.ts';

const id = z.uuid('id must be a risk id');
const title = text('title')
  .trim()
  .min(1, 'title must not be empty')
  .max(200, 'title must be at most 200 characters');
const description = text('description').max(10_000, 'description must be at most 10000 characters');
const category = text('category')
  .trim()
  .min(1, 'category must not be empty')
  .max(100, 'category must be at most 100 characters');
const treatmentPlan = text('treatmentPlan').max(20_000, 'treatmentPlan must be at most 20000 characters');
const ids = (name: string, what: string) =>
  z
    .array(z.uuid(`${name} must hold ${what} ids`))
    .max(200, `${name} holds at most 200 ids`)
    .optional();
const links = {
  hostIds: ids('hostIds', 'host'),
  vendorIds: ids('vendorIds', 'vendor'),
  controlIds: ids('controlIds', 'control'),
  taskIds: ids('taskIds', 'task'),
};
const signalThreshold = z
  .number({ error: 'signalThreshold must be a whole number from 1 to 100' })
  .int('signalThreshold must be a whole number from 1 to 100')
  .min(1, 'signalThreshold must be a whole number from 1 to 100')
  .max(100, 'signalThreshold must be a whole number from 1 to 100');
const signalPeriodDays = z
  .number({ error: 'signalPeriodDays must be a whole number from 1 to 365' })
  .int('signalPeriodDays must be a whole number from 1 to 365')
  .min(1, 'signalPeriodDays must be a whole number from 1 to 365')
  .max(365, 'signalPeriodDays must be a whole number from 1 to 365');

/** The editable fields; in `update` every one is optional and null clears the optional ones. */
const fields = {
  description: description.optional(),
  ownerId: z.uuid('ownerId must be a user id').nullable().optional(),
  residualLikelihood: riskRating('residualLikelihood').nullable().optional(),
  residualImpact: riskRating('residualImpact').nullable().optional(),
  treatment: riskTreatmentSchema.nullable().optional(),
  treatmentPlan: treatmentPlan.optional(),
  status: riskStatusSchema.optional(),
  reviewDate: instant('reviewDate').nullable().optional(),
  signalThreshold: signalThreshold.optional(),
  signalPeriodDays: signalPeriodDays.optional(),
};

export const risksRouter = router({
  /** The register, highest inherent score first; filters narrow it. */
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        status: z.array(riskStatusSchema).optional(),
        ownerId: z.uuid('ownerId must be a user id').optional(),
        category: category.optional(),
        hostId: z.uuid('hostId must be a host id').optional(),
        vendorId: z.uuid('vendorId must be a vendor id').optional(),
        needsReassessment: z.boolean().optional(),
        reviewDue: z.boolean().optional(),
        limit: z.number().int().min(1).max(500).default(200),
      }),
    )
    .query(({ ctx, input: { workspace: _, ...f } }) =>
      ctx.tx((tx) => listRisks(tx, f, ctx.services.clock())),
    ),

  /** One risk with its links, tasks, status history and latest signals. */
  get: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .query(({ ctx, input }) => ctx.tx((tx) => getRisk(tx, input.id, ctx.services.clock()))),

  /** The 5×5 heat map, inherent and residual (closed risks left out unless `includeClosed`). */
  heatmap: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, includeClosed: z.boolean().default(false) }))
    .query(({ ctx, input }) => ctx.tx((tx) => riskHeatmapOf(tx, { includeClosed: input.includeClosed }))),

  /** A risk's live signals, newest first. */
  signals: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id, limit: z.number().int().min(1).max(500).default(100) }))
    .query(({ ctx, input }) => ctx.tx((tx) => listRiskSignals(tx, input.id, input.limit))),

  /** Records a risk with its ratings, treatment and links. */
  create: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        title,
        category,
        likelihood: riskRating('likelihood'),
        impact: riskRating('impact'),
        ...fields,
        ...links,
      }),
    )
    .mutation(({ ctx, input: { workspace: _, hostIds, vendorIds, controlIds, taskIds, ...f } }) =>
      ctx.tx((tx) =>
        createRisk(tx, {
          fields: f,
          links: { hostIds, vendorIds, controlIds, taskIds },
          actor: ctx.auth.actor,
          now: ctx.services.clock(),
        }),
      ),
    ),

  /**
   * Changes what is given (a link list replaces the set). New ratings or `reassessed: true` mark
   * the risk re-assessed, clearing a flag raised by live signals.
   */
  update: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id,
        title: title.optional(),
        category: category.optional(),
        likelihood: riskRating('likelihood').optional(),
        impact: riskRating('impact').optional(),
        reassessed: z.boolean().optional(),
        ...fields,
        ...links,
      }),
    )
    .mutation(
      ({
        ctx,
        input: { workspace: _, id: riskId, reassessed, hostIds, vendorIds, controlIds, taskIds, ...patch },
      }) =>
        ctx.tx((tx) =>
          updateRisk(tx, {
            id: riskId,
            patch,
            links: { hostIds, vendorIds, controlIds, taskIds },
            reassessed,
            actor: ctx.auth.actor,
            now: ctx.services.clock(),
          }),
        ),
    ),

  /** Adds a task to the risk's treatment (a task of server/src/work, linked to the risk). */
  addTask: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id,
        title,
        description: description.optional(),
        status: taskStatusSchema.optional(),
        assigneeId: z.uuid('assigneeId must be a user id').optional(),
        dueAt: instant('dueAt').optional(),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, id: riskId, ...task } }) =>
      ctx.tx((tx) =>
        addRiskTask(tx, { riskId, fields: task, actor: ctx.auth.actor, now: ctx.services.clock() }),
      ),
    ),

  /** Removes a risk; the audit log keeps what it was. */
  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => removeRisk(tx, { id: input.id, now: ctx.services.clock() })),
    ),
});
