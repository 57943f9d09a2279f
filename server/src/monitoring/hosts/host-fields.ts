import { SCAN_INTERVALS_S } from '@vigilo/shared/agent-protocol';
import { ServiceProtocol } from '@vigilo/shared/snapshot';
import { z } from 'zod';
import { normaliseHostname } from './hostname.ts';

/**
 * A monitored host's fields as people give them: one schema for `hosts.add`, `hosts.update`
 * (as a patch) and every row of a bulk import, so all three accept and refuse the same values.
 */

const hostnameSchema = z.string().transform((value, ctx) => {
  const result = normaliseHostname(value);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  }
  return result.hostname;
});
const intervalSchema = z.union(
  SCAN_INTERVALS_S.map((s) => z.literal(s)),
  {
    error: `interval must be one of ${SCAN_INTERVALS_S.join(', ')} seconds (5 min, 15 min, 1 h, 6 h, 24 h)`,
  },
);

/** The fields of a host as given, without defaults: `.partial()` of this is a true patch. */
export const hostBase = z.object({
  hostname: hostnameSchema,
  port: z
    .number({ error: 'port must be a number' })
    .int()
    .min(1, 'port must be 1–65535')
    .max(65535, 'port must be 1–65535'),
  protocol: ServiceProtocol.nullable(),
  intervalS: intervalSchema,
  tags: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9:._-]{0,63}$/, 'tags are lower-case words (a-z, 0-9, : . _ -)'))
    .max(20),
  agentId: z.uuid('agentId must be an agent id').nullable(),
});

/** A new host: unset fields take their defaults. */
export const hostFields = hostBase.extend({
  protocol: hostBase.shape.protocol.default(null),
  intervalS: hostBase.shape.intervalS.default(3600),
  tags: hostBase.shape.tags.default([]),
  // Omitted: the workspace's only agent, if it has exactly one. null: no agent.
  agentId: hostBase.shape.agentId.optional(),
});
export type HostFields = z.infer<typeof hostFields>;

/** A change to a host: only the fields given change. */
export const hostPatch = hostBase.partial();
export type HostPatch = z.infer<typeof hostPatch>;

/** What a bulk import applies to every row that does not say otherwise. */
export const importDefaults = hostBase.pick({ intervalS: true, tags: true, agentId: true }).partial();
export type ImportDefaults = z.infer<typeof importDefaults>;
