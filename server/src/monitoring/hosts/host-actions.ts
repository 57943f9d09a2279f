import type { Actor, WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused } from '../../domain-errors.ts';
import { createSnooze, SNOOZE_PRESETS, type SnoozePreset } from '../alerts/alert-actions.ts';

/**
 * What people do to a monitored host — pause, resume, snooze — written once and used by both
 * doors: the `hosts.*` / `alerts.snooze` procedures (online clients) and the desktop's outbox
 * kinds (server/src/sync/kinds/hosts.ts). Each writes its audit row and event in the caller's
 * transaction. An expected refusal is an `ActionRefused` (server/src/domain-errors.ts).
 */

/** Bumps the config version of the agents whose assignments changed: they pull within seconds. */
export async function nudgeAgents(
  tx: WorkspaceTx,
  agentIds: Array<string | null | undefined>,
): Promise<void> {
  const ids = [...new Set(agentIds.filter((a): a is string => !!a))];
  if (ids.length > 0)
    await tx.query('UPDATE agents SET config_version = config_version + 1 WHERE id = ANY($1)', [ids]);
}

/**
 * Whether a host of this workspace may be assigned to the agent: it must be an active agent of
 * the same workspace. Runs in the workspace transaction, so row-level security makes another
 * tenant's agent and an unknown id look the same (no existence oracle across tenants).
 */
export async function agentIsAssignable(tx: WorkspaceTx, agentId: string): Promise<boolean> {
  const { rowCount } = await tx.query('SELECT 1 FROM agents WHERE id = $1 AND revoked_at IS NULL', [agentId]);
  return (rowCount ?? 0) > 0;
}

/**
 * Pauses (active=false) or resumes scanning a host. The assigned agent is nudged so it drops or
 * picks up the host within seconds. Refused with `not_found` when the host was removed.
 */
export async function setHostActive(
  tx: WorkspaceTx,
  input: { hostId: string; active: boolean; now: Date },
): Promise<{ id: string; active: boolean }> {
  const { rows } = await tx.query<{ agent_id: string | null; hostname: string; port: number }>(
    'UPDATE hosts SET active = $2, updated_at = $3 WHERE id = $1 RETURNING agent_id, hostname, port',
    [input.hostId, input.active, input.now],
  );
  const host = rows[0];
  if (!host) throw new ActionRefused('not_found', 'the host was removed');
  await tx.record({
    action: input.active ? 'host.resumed' : 'host.paused',
    target: { type: 'host', id: input.hostId },
    summary: { after: { active: input.active } },
    event: 'host.updated',
    payload: { id: input.hostId, hostname: host.hostname, active: input.active },
  });
  await nudgeAgents(tx, [host.agent_id]);
  return { id: input.hostId, active: input.active };
}

/**
 * Snoozes every rule on one host for a preset duration from `now` (the server's clock when the
 * action arrives: an action queued offline snoozes from when it is applied, so it never lands
 * already expired). Refused with `not_found` when the host was removed.
 */
export async function snoozeHost(
  tx: WorkspaceTx,
  input: { hostId: string; duration: SnoozePreset; reason: string | undefined; actor: Actor; now: Date },
): Promise<{ id: string; until: Date }> {
  // Locks the host so a concurrent removal cannot slip between the check and the insert.
  const { rowCount } = await tx.query('SELECT 1 FROM hosts WHERE id = $1 FOR UPDATE', [input.hostId]);
  if (rowCount === 0) throw new ActionRefused('not_found', 'the host was removed');
  return createSnooze(tx, {
    hostId: input.hostId,
    ruleId: undefined,
    until: new Date(input.now.getTime() + SNOOZE_PRESETS[input.duration]),
    reason: input.reason,
    actor: input.actor,
    now: input.now,
  });
}
