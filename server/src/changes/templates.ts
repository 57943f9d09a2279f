import type { ChangeTemplateInput } from '@vigilo/shared/change-inputs';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';
import { personOf } from './people.ts';

/**
 * The standard-change catalogue: templates of routine changes, proposed by an approver and
 * approved once by another. A change raised from an approved template is approved at once
 * (change-actions.ts); removing a template leaves the changes raised from it as they are.
 */

/** A template as stored. */
export type TemplateRow = {
  id: string;
  name: string;
  description: string;
  implementation_plan: string;
  rollback_plan: string;
  test_plan: string;
  affected_tags: string[];
  /** The template certificate renewals are drafted from (renewal-draft.ts); at most one. */
  renewal: boolean;
  state: 'proposed' | 'approved';
  proposed_by: string;
  approved_by: string | null;
  approved_at: Date | null;
  created_at: Date;
};

/** A template as the API returns it. */
export function templateView(r: TemplateRow) {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    implementationPlan: r.implementation_plan,
    rollbackPlan: r.rollback_plan,
    testPlan: r.test_plan,
    affectedTags: r.affected_tags,
    renewal: r.renewal,
    state: r.state,
    proposedBy: r.proposed_by,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    createdAt: r.created_at,
  };
}
export type ChangeTemplate = ReturnType<typeof templateView>;

/** Every template, by name. */
export async function listTemplates(tx: WorkspaceTx): Promise<ChangeTemplate[]> {
  const { rows } = await tx.query<TemplateRow>('SELECT * FROM change_templates ORDER BY name, id');
  return rows.map(templateView);
}

/** The approved template a standard change is raised from, or a refusal naming templateId. */
export async function approvedTemplate(tx: WorkspaceTx, id: string): Promise<TemplateRow> {
  const { rows } = await tx.query<TemplateRow>('SELECT * FROM change_templates WHERE id = $1 FOR SHARE', [
    id,
  ]);
  const template = rows[0];
  if (!template) throw invalidField(['templateId'], 'no such template in this workspace');
  if (template.state !== 'approved')
    throw invalidField(
      ['templateId'],
      `the template "${template.name}" is not approved yet: an approver must approve it first`,
    );
  return template;
}

/** The template renewals are drafted from, approved or not, or undefined when none is named. */
export async function renewalTemplate(tx: WorkspaceTx): Promise<TemplateRow | undefined> {
  const { rows } = await tx.query<TemplateRow>('SELECT * FROM change_templates WHERE renewal FOR SHARE');
  return rows[0];
}

/** Proposes a template; it serves changes once another approver approves it. */
export async function createTemplate(
  tx: WorkspaceTx,
  input: ChangeTemplateInput,
  actor: Actor,
  now: Date,
): Promise<ChangeTemplate> {
  const me = await personOf(tx, actor);
  if (input.renewal) {
    const current = await renewalTemplate(tx);
    if (current)
      throw invalidField(
        ['renewal'],
        `"${current.name}" is the renewal template already: remove it first to name another`,
      );
  }
  const { rows } = await tx.query<TemplateRow>(
    `INSERT INTO change_templates (workspace_id, name, description, implementation_plan, rollback_plan, test_plan,
       affected_tags, proposed_by, created_at, renewal)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (workspace_id, name) DO NOTHING RETURNING *`,
    [
      tx.workspaceId,
      input.name,
      input.description,
      input.implementationPlan,
      input.rollbackPlan,
      input.testPlan,
      input.affectedTags,
      me,
      now,
      input.renewal,
    ],
  );
  const row = rows[0];
  if (!row) throw invalidField(['name'], `a template named "${input.name}" already exists`);
  await tx.record({
    action: 'change_template.created',
    target: { type: 'change_template', id: row.id },
    summary: { after: { name: row.name, state: row.state, renewal: row.renewal } },
    event: 'change_template.created',
    payload: { templateId: row.id, name: row.name },
  });
  return templateView(row);
}

/**
 * Approves a proposed template, once. Four eyes: its proposer cannot approve it, as nobody
 * approves their own change.
 */
export async function approveTemplate(
  tx: WorkspaceTx,
  id: string,
  actor: Actor,
  now: Date,
): Promise<ChangeTemplate> {
  const me = await personOf(tx, actor);
  const { rows } = await tx.query<TemplateRow>('SELECT * FROM change_templates WHERE id = $1 FOR UPDATE', [
    id,
  ]);
  const template = rows[0];
  if (!template) throw new ActionRefused('not_found', 'no such template in this workspace');
  if (template.state === 'approved')
    throw new ActionRefused('already_decided', 'the template is already approved');
  if (template.proposed_by === me)
    throw new ActionRefused('forbidden', 'you proposed this template: another approver must approve it');
  const updated = await tx.query<TemplateRow>(
    "UPDATE change_templates SET state = 'approved', approved_by = $2, approved_at = $3 WHERE id = $1 RETURNING *",
    [id, me, now],
  );
  const row = updated.rows[0] as TemplateRow;
  await tx.record({
    action: 'change_template.approved',
    target: { type: 'change_template', id },
    summary: { before: { state: 'proposed' }, after: { state: 'approved', approvedBy: me } },
    event: 'change_template.approved',
    payload: { templateId: id, name: row.name, approvedBy: me },
  });
  return templateView(row);
}

/** Removes a template from the catalogue; changes raised from it keep their content. */
export async function removeTemplate(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const { rows } = await tx.query<{ name: string; state: string }>(
    'DELETE FROM change_templates WHERE id = $1 RETURNING name, state',
    [id],
  );
  const removed = rows[0];
  if (!removed) throw new ActionRefused('not_found', 'no such template in this workspace');
  await tx.record({
    action: 'change_template.removed',
    target: { type: 'change_template', id },
    summary: { before: { name: removed.name, state: removed.state } },
    event: 'change_template.removed',
    payload: { templateId: id, name: removed.name },
  });
  return { id };
}
