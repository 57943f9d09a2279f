import { z } from 'zod';
import { SNOOZE_PRESETS, type SnoozePreset } from '../../monitoring/alert-actions.ts';
import { setHostActive, snoozeHost } from '../../monitoring/host-actions.ts';
import { define } from '../mutation-def.ts';

/** The desktop's host actions: the same operations as hosts.setActive / alerts.snooze, refusals become conflicts in apply.ts. */

const hostId = z.uuid('hostId must be a host id');

export const hostPause = define({
  permission: 'operate',
  args: z.object({ hostId }),
  apply: (tx, args, _actor, now) => setHostActive(tx, { hostId: args.hostId, active: false, now }),
});

export const hostResume = define({
  permission: 'operate',
  args: z.object({ hostId }),
  apply: (tx, args, _actor, now) => setHostActive(tx, { hostId: args.hostId, active: true, now }),
});

export const hostSnooze = define({
  permission: 'operate',
  args: z.object({
    hostId,
    duration: z.enum(
      Object.keys(SNOOZE_PRESETS) as [SnoozePreset, ...SnoozePreset[]],
      'duration must be 1h, 1d or 1w',
    ),
    reason: z.string().max(500, 'reason must be at most 500 characters').optional(),
  }),
  apply: async (tx, args, actor, now) => {
    const snooze = await snoozeHost(tx, { ...args, reason: args.reason, actor, now });
    return { id: snooze.id, until: snooze.until.toISOString() };
  },
});
