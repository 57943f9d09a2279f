import { z } from 'zod';
import { MutationConflict } from '../conflict.ts';
import { define } from '../mutation-def.ts';

export const alertAcknowledge = define({
  permission: 'operate',
  args: z.object({
    alertId: z.uuid('alertId must be an alert id'),
    note: z.string().max(2000, 'note must be at most 2000 characters').optional(),
  }),
  async apply(tx, args, actor) {
    const { rows } = await tx.query<{ state: string; acknowledged_by: string | null }>(
      'SELECT state, acknowledged_by FROM alerts WHERE id = $1 FOR UPDATE',
      [args.alertId],
    );
    const alert = rows[0];
    if (!alert) throw new MutationConflict('not_found', 'the alert no longer exists');
    if (alert.state === 'resolved') {
      throw new MutationConflict('already_decided', 'the alert resolved before your acknowledgement arrived');
    }
    if (alert.acknowledged_by !== null) {
      // Acknowledging twice is harmless for the same person; for another it is news to show.
      if (alert.acknowledged_by === actor.id) return { alertId: args.alertId };
      throw new MutationConflict('already_decided', 'someone else acknowledged the alert first');
    }
    await tx.query(
      'UPDATE alerts SET acknowledged_at = now(), acknowledged_by = $2, ack_note = $3 WHERE id = $1',
      [args.alertId, actor.id, args.note ?? null],
    );
    await tx.record({
      action: 'alert.acknowledged',
      target: { type: 'alert', id: args.alertId },
      summary: { after: { acknowledgedBy: actor.id, note: args.note ?? null } },
      event: 'alert.acknowledged',
      payload: { id: args.alertId, acknowledgedBy: actor.id },
    });
    return { alertId: args.alertId };
  },
});
