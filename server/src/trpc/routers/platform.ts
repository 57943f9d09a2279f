import { router, userProcedure } from '../init.ts';

/**
 * Cross-workspace views for platform_admin: the one explicit path around per-workspace scoping.
 * It reads directory tables only (no tenant data) and says so in its name.
 */
export const platformRouter = router({
  workspaces: userProcedure.query(({ ctx }) => ctx.directory.allWorkspaces()),
});
