import { z } from 'zod';
import { changeTagSchema } from './change-inputs.ts';
import { instant, text } from './safe-input.ts';

/**
 * When changes may happen, as people give it and as the server reports it: freeze windows (no
 * change scheduled inside, except an emergency change, which is then flagged) and the kinds of
 * collision found whenever a change's plan moves. Collisions warn; they never block.
 */

/** What a change's plan can collide with (server/src/changes/collision-detect.ts finds them). */
export const COLLISION_KINDS = [
  /** Another open change overlaps it in time on one of the same hosts. */
  'host_overlap',
  /** A host it touches has maintenance windows, and none holds the whole planned window. */
  'outside_maintenance_window',
  /** A renewal planned to finish after the certificate it renews expires. */
  'certificate_expires_first',
  /** A host it touches has an open critical alert or an open incident it does not link. */
  'open_problem',
  /** It is planned inside a freeze window (scheduling refused, unless an emergency: flagged). */
  'freeze_window',
  /** Nobody would be paged for one of its hosts during part of its window (on-call, issue 15). */
  'no_oncall_coverage',
] as const;
export type CollisionKind = (typeof COLLISION_KINDS)[number];
export const collisionKindSchema = z.enum(COLLISION_KINDS);

const name = text('name')
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters');

/** The fields of a freeze window, without defaults (`.partial()` is a patch). */
export const freezeWindowFields = z.object({
  name,
  reason: text('reason').max(2000, 'reason must be at most 2000 characters'),
  startsAt: instant('startsAt'),
  endsAt: instant('endsAt'),
  /** Empty: the whole workspace. Otherwise changes touching hosts with (or naming) one of these tags. */
  tags: z.array(changeTagSchema).max(50, 'tags holds at most 50'),
});
export const freezeWindowCreateInput = freezeWindowFields.extend({
  reason: freezeWindowFields.shape.reason.default(''),
  tags: freezeWindowFields.shape.tags.default([]),
});
export type FreezeWindowInput = z.infer<typeof freezeWindowCreateInput>;
export const freezeWindowUpdateInput = freezeWindowFields
  .partial()
  .extend({ id: z.uuid('id must be a freeze window id') });
export type FreezeWindowPatch = z.infer<typeof freezeWindowUpdateInput>;

/** Refuses a window that ends at or before it starts (when both are given), naming endsAt. */
export function refineFreezeWindow(
  value: { startsAt?: Date | undefined; endsAt?: Date | undefined },
  ctx: z.RefinementCtx,
): void {
  if (value.startsAt && value.endsAt && value.endsAt <= value.startsAt)
    ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
}
