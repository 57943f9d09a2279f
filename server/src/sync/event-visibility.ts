import { EVENT_TYPES, type EventType } from '@vigilo/shared/events';
import type { WorkspaceRole } from '@vigilo/shared/roles';
import { type ReplicatedTable, tablesFor } from './tables.ts';

/**
 * The table whose rows each event describes. Who may see an event is then decided by the one
 * rule sync already applies to those rows (`tablesFor`, REPLICATED_TABLES): a live event never
 * shows a role what `sync.pull` would hide from it. `null` marks events about rows sync never
 * sends (API tokens, enrollment tokens, agents, maintenance windows, domains without a table yet):
 * they reach nobody's live stream, only webhooks, channels and the audit log, which admins read.
 * Exhaustive over EVENT_TYPES, so a new event type does not compile until it is placed here.
 */
const EVENT_SUBJECT: Record<EventType, ReplicatedTable | null> = {
  'workspace.created': 'workspaces',
  'workspace.updated': 'workspaces',
  'member.added': 'memberships',
  'member.role_changed': 'memberships',
  'member.removed': 'memberships',
  'api_token.created': null,
  'api_token.revoked': null,
  'channel.created': 'channels',
  'channel.updated': 'channels',
  'channel.removed': 'channels',
  'channel.disabled': 'channels',
  'agent.enrolled': null,
  'agent.revoked': null,
  'enrollment_token.created': null,
  'host.added': 'hosts',
  'host.updated': 'hosts',
  'host.removed': 'hosts',
  'alert_rule.created': 'alert_rules',
  'alert_rule.updated': 'alert_rules',
  'alert_rule.removed': 'alert_rules',
  'alert.snoozed': 'snoozes',
  'maintenance.created': null,
  'alert.opened': 'alerts',
  'alert.resolved': 'alerts',
  'alert.acknowledged': 'alerts',
  'alert.commented': 'comments',
  'cert.scanned': 'certificates',
  'change.approved': null,
  'change.rejected': null,
  'incident.opened': null,
};

const KNOWN = new Set<string>(EVENT_TYPES);

/** True when `role` may receive an event of this type live; an unknown type reaches no one. */
export function eventVisibleTo(role: WorkspaceRole, type: string): boolean {
  if (!KNOWN.has(type)) return false;
  const table = EVENT_SUBJECT[type as EventType];
  return table !== null && tablesFor(role).includes(table);
}
