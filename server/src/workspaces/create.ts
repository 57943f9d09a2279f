import type pg from 'pg';
import { enterWorkspace, type TxContext } from '../db/tx.ts';
import { DEFAULT_ALERT_RULES } from '@vigilo/shared/default-alert-rules';
import { ensureBuiltinFrameworks } from '../compliance/frameworks/builtin.ts';
import { createRule } from '../monitoring/alerts/alert-rules.ts';
import { ActionRefused } from '../domain-errors.ts';

export type NewWorkspace = { slug: string; name: string; ownerUserId: string };

/**
 * Creates a workspace with its first owner and records `workspace.created` in it, with the
 * shipped NIST CSF catalogue and the default alert rules (shared/src/default-alert-rules.ts).
 * The one way a workspace comes to be: `workspace.create`, the first-run bootstrap and `vigilo
 * workspace add` all call this inside their own owner transaction (withOwnerTx: the workspace
 * does not exist yet, so no workspace transaction can hold it). A taken slug is a `conflict`
 * refusal. Workspaces made before the default rules existed are not given them: their admins
 * chose their rules already, and a rule appearing unasked would page people.
 */
export async function createWorkspace(
  client: pg.ClientBase,
  ws: NewWorkspace,
  ctx: TxContext,
): Promise<{ id: string; createdAt: Date }> {
  const { rows } = await client.query<{ id: string; created_at: Date }>(
    'INSERT INTO workspaces (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING id, created_at',
    [ws.slug, ws.name],
  );
  const created = rows[0];
  if (!created) throw new ActionRefused('conflict', `the slug "${ws.slug}" is taken`);
  const tx = await enterWorkspace(client, created.id, ctx);
  await tx.query("INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')", [
    created.id,
    ws.ownerUserId,
  ]);
  await tx.record({
    action: 'workspace.created',
    target: { type: 'workspace', id: created.id },
    summary: { after: { slug: ws.slug, name: ws.name, owner: ws.ownerUserId } },
    event: 'workspace.created',
    payload: { id: created.id, slug: ws.slug, name: ws.name },
  });
  // Every workspace starts with the shipped NIST CSF 2.0, so its coverage shows from day one.
  await ensureBuiltinFrameworks(tx, created.created_at);
  // Alerting out of the box: the default rules are created as any rule is (audit row and
  // `alert_rule.created` event each), in this transaction, so no workspace exists without them.
  for (const rule of DEFAULT_ALERT_RULES)
    await createRule(
      tx,
      { ...rule, scope: { kind: 'all' }, openAfter: 1, resolveAfter: 1, enabled: true },
      created.created_at,
    );
  return { id: created.id, createdAt: created.created_at };
}
