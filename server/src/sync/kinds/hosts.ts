import { setHostActive, snoozeHost } from '../../monitoring/hosts/host-actions.ts';
import type { KindHandlers } from '../mutation-def.ts';

/** The desktop's host actions: the same operations as hosts.setActive / alerts.snooze, refusals become conflicts in apply.ts. */
export const hostKinds = {
  'host.pause': (tx, args, _actor, now) => setHostActive(tx, { hostId: args.hostId, active: false, now }),
  'host.resume': (tx, args, _actor, now) => setHostActive(tx, { hostId: args.hostId, active: true, now }),
  'host.snooze': async (tx, args, actor, now) => {
    const snooze = await snoozeHost(tx, { ...args, reason: args.reason, actor, now });
    return { id: snooze.id, until: snooze.until.toISOString() };
  },
} satisfies Partial<KindHandlers>;
