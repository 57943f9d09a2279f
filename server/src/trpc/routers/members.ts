import { instant } from '@vigilo/shared/safe-input';
import { workspaceRoleSchema } from '@vigilo/shared/roles';
import { z } from 'zod';
import { addMember, listMembers, removeMember, setMemberRole } from '../../workspaces/members.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const email = z.email('email must be an email address');
const memberInput = z
  .object({
    workspace: workspaceRef,
    email,
    role: workspaceRoleSchema,
    /** Required for the auditor role, which ends by itself. */
    expiresAt: instant('expiresAt').optional(),
  })
  .refine((m) => m.role !== 'auditor' || m.expiresAt !== undefined, {
    message: 'the auditor role is time-boxed: give expiresAt',
    path: ['expiresAt'],
  });

export const membersRouter = router({
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx(listMembers)),

  add: workspaceProcedure.input(memberInput).mutation(async ({ ctx, input }) => {
    // Users are global: the one named by email is a directory lookup, outside the workspace.
    const who = { email: input.email, userId: await ctx.directory.userIdByEmail(input.email) };
    return ctx.tx((tx) => addMember(tx, ctx.workspace.role, who, input));
  }),

  setRole: workspaceProcedure.input(memberInput).mutation(async ({ ctx, input }) => {
    const who = { email: input.email, userId: await ctx.directory.userIdByEmail(input.email) };
    return ctx.tx((tx) => setMemberRole(tx, ctx.workspace.role, who, input));
  }),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, email }))
    .mutation(async ({ ctx, input }) => {
      const who = { email: input.email, userId: await ctx.directory.userIdByEmail(input.email) };
      return ctx.tx((tx) => removeMember(tx, ctx.workspace.role, who));
    }),
});
