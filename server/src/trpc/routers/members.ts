import { instant } from '@vigilo/shared/safe-input';
import { workspaceRoleSchema } from '@vigilo/shared/roles';
import { z } from 'zod';
import { inviteMember, listMembers, removeMember, setMemberRole } from '../../workspaces/members.ts';
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

// Nothing here looks a user up by email across the server: members.ts finds people inside the
// workspace only, so no answer tells an admin whether an email has an account elsewhere.
export const membersRouter = router({
  /** Members and open invitations, alike for every invited email. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listMembers(tx, ctx.services.clock()))),

  /**
   * Invites the email: the same answer for every email; membership begins at their next call.
   * With the built-in provider the answer carries a one-time setup code and the page to use it
   * on, shown to the admin once: there a person without an account chooses their password.
   */
  add: workspaceProcedure.input(memberInput).mutation(async ({ ctx, input }) => {
    const { builtInProvider, issuer } = ctx.services.config.identity;
    const { setupCode, ...invited } = await ctx.tx((tx) =>
      inviteMember(tx, ctx.workspace.role, input.email, input, ctx.services.clock(), {
        setupCode: builtInProvider,
      }),
    );
    return setupCode ? { ...invited, setup: { ...setupCode, url: `${issuer}/welcome` } } : invited;
  }),

  setRole: workspaceProcedure
    .input(memberInput)
    .mutation(({ ctx, input }) => ctx.tx((tx) => setMemberRole(tx, ctx.workspace.role, input.email, input))),

  /** Removes a member, or withdraws the invitation of an email that is not one yet. */
  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, email }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => removeMember(tx, ctx.workspace.role, input.email, ctx.services.clock())),
    ),
});
