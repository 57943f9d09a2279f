import { instant, text } from '@vigilo/shared/safe-input';
import { vendorTierSchema } from '@vigilo/shared/vendor-assessment';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';
import { createVendor, removeVendor, updateVendor } from '../../compliance/vendors/vendor-actions.ts';
import { getVendor, listVendors } from '../../compliance/vendors/vendor-views.ts';

const id = z.uuid('id must be a vendor id');
const name = text('name')
  .trim()
  .min(1, 'name must not be empty')
  .max(200, 'name must be at most 200 characters');
const list = (field: string) =>
  z
    .array(
      text(field)
        .trim()
        .min(1, `${field} must not hold empty entries`)
        .max(200, `${field} entries are at most 200 characters`),
    )
    .max(100, `${field} holds at most 100 entries`)
    .optional();

const fields = {
  description: text('description').max(10_000, 'description must be at most 10000 characters').optional(),
  ownerId: z.uuid('ownerId must be a user id').nullable().optional(),
  services: list('services'),
  dataHeld: list('dataHeld'),
  contractStart: instant('contractStart').nullable().optional(),
  renewalDate: instant('renewalDate').nullable().optional(),
  contractEnd: instant('contractEnd').nullable().optional(),
  renewalNoticeDays: z
    .number({ error: 'renewalNoticeDays must be a whole number from 1 to 365' })
    .int('renewalNoticeDays must be a whole number from 1 to 365')
    .min(1, 'renewalNoticeDays must be a whole number from 1 to 365')
    .max(365, 'renewalNoticeDays must be a whole number from 1 to 365')
    .optional(),
  hostIds: z.array(z.uuid('hostIds must hold host ids')).max(200, 'hostIds holds at most 200 ids').optional(),
};

export const vendorsRouter = router({
  /** Vendors by tier, critical first, with their review cadence and renewal reminder. */
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        tier: z.array(vendorTierSchema).optional(),
        renewalDue: z.boolean().optional(),
      }),
    )
    .query(({ ctx, input: { workspace: _, ...f } }) =>
      ctx.tx((tx) => listVendors(tx, f, ctx.services.clock())),
    ),

  /** One vendor with its monitored endpoints' current grades, linked risks and assessments. */
  get: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .query(({ ctx, input }) => ctx.tx((tx) => getVendor(tx, input.id, ctx.services.clock()))),

  /** Registers a vendor. */
  create: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, name, tier: vendorTierSchema, ...fields }))
    .mutation(({ ctx, input: { workspace: _, ...f } }) =>
      ctx.tx((tx) => createVendor(tx, { fields: f, now: ctx.services.clock() })),
    ),

  /** Changes what is given; `hostIds` replaces the set of monitored endpoints. */
  update: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id,
        name: name.optional(),
        tier: vendorTierSchema.optional(),
        ...fields,
      }),
    )
    .mutation(({ ctx, input: { workspace: _, id: vendorId, ...patch } }) =>
      ctx.tx((tx) => updateVendor(tx, { id: vendorId, patch, now: ctx.services.clock() })),
    ),

  /** Removes a vendor with its assessments; the audit log keeps what it was. */
  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => removeVendor(tx, { id: input.id, now: ctx.services.clock() })),
    ),
});
