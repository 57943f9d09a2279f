import { procedure, router } from '../init.ts';

/**
 * Cross-workspace views for platform_admin: the one explicit path around per-workspace scoping.
 * It reads directory tables only (no tenant data) and says so in its name.
 */
export const platformRouter = router({
  workspaces: procedure.query(async ({ ctx }) => {
    const { rows } = await ctx.services.db.owner.query<{
      id: string;
      slug: string;
      name: string;
      members: number;
      created_at: Date;
    }>(
      `SELECT w.id, w.slug, w.name, w.created_at, (SELECT count(*) FROM memberships m WHERE m.workspace_id = w.id)::int AS members
       FROM workspaces w ORDER BY w.slug`,
    );
    return rows.map((r) => ({
      id: r.id,
      slug: r.slug,
      name: r.name,
      members: r.members,
      createdAt: r.created_at,
    }));
  }),
});
