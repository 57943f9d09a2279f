import { certificateInventory } from '../../monitoring/certificates/inventory.ts';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

export const certificatesRouter = router({
  /**
   * The certificate inventory, deduplicated by fingerprint: soonest expiry first, with the hosts
   * each is seen on. `expiringWithinDays` narrows to 7 / 30 / 90-day views; group counts give the
   * by-issuer and by-key-algorithm views; `minHosts` finds certificates spread over many hosts.
   */
  inventory: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        expiringWithinDays: z.number().int().min(0).max(3650).optional(),
        issuer: z.string().optional(),
        keyAlgorithm: z.string().optional(),
        minHosts: z.number().int().min(1).optional(),
        limit: z.number().int().min(1).max(1000).default(200),
      }),
    )
    .query(({ ctx, input }) => ctx.tx((tx) => certificateInventory(tx, input, ctx.services.clock()))),
});
