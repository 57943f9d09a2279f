import { text } from '@vigilo/shared/safe-input';
import { answerSchema, assessmentOutcomeSchema, questionSchema } from '@vigilo/shared/vendor-assessment';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';
import {
  createAssessment,
  createTemplate,
  listAssessments,
  listTemplates,
  recordAssessment,
} from '../../compliance/vendors/assessments.ts';

export const assessmentsRouter = router({
  /** The questionnaire templates. */
  templates: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listTemplates(tx))),

  /** Makes a questionnaire: questions with weights (1–10) and answer types. */
  createTemplate: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        name: text('name')
          .trim()
          .min(1, 'name must not be empty')
          .max(200, 'name must be at most 200 characters'),
        questions: z.array(questionSchema).min(1, 'questions must hold at least one question').max(200),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        createTemplate(tx, {
          name: input.name,
          questions: input.questions,
          actor: ctx.auth.actor,
          now: ctx.services.clock(),
        }),
      ),
    ),

  /** Assessments newest first, of one vendor or all. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, vendorId: z.uuid('vendorId must be a vendor id').optional() }))
    .query(({ ctx, input }) => ctx.tx((tx) => listAssessments(tx, { vendorId: input.vendorId }))),

  /** Opens a vendor's assessment for a period ('2026', '2026-H1'…) from a template. */
  create: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        vendorId: z.uuid('vendorId must be a vendor id'),
        templateId: z.uuid('templateId must be a template id'),
        period: z
          .string({ error: 'period must be a string' })
          .regex(/^[0-9A-Za-z-]{1,20}$/, 'period must be 1–20 letters, digits or -, e.g. 2026 or 2026-H1'),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, ...a } }) =>
      ctx.tx((tx) => createAssessment(tx, { ...a, actor: ctx.auth.actor, now: ctx.services.clock() })),
    ),

  /** Records the answers (by question id), findings and outcome; the score is computed. */
  record: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id: z.uuid('id must be an assessment id'),
        answers: z.record(z.string().max(40), answerSchema),
        findings: text('findings').max(20_000, 'findings must be at most 20000 characters').default(''),
        outcome: assessmentOutcomeSchema,
      }),
    )
    .mutation(({ ctx, input: { workspace: _, ...r } }) =>
      ctx.tx((tx) => recordAssessment(tx, { ...r, actor: ctx.auth.actor, now: ctx.services.clock() })),
    ),
});
