import { EVENT_TYPES, type EventType } from '@vigilo/shared/events';
import { type Permission, roleGrants, type WorkspaceRole } from '@vigilo/shared/roles';
import { type ReplicatedTable, tablesFor } from './tables.ts';

/**
 * What each event describes, and so who may see it live. An event about a replicated table is
 * shown by the one rule sync already applies to those rows (`tablesFor`, REPLICATED_TABLES): a
 * live event never shows a role what `sync.pull` would hide from it. An event about rows sync does
 * not replicate (API tokens, enrollment tokens, agents, maintenance windows, domains without a
 * table yet) names the permission of the procedure that lists those rows, so an admin still sees
 * `api_token.created` live and a viewer does not. Exhaustive over EVENT_TYPES, so a new event type
 * does not compile until it is placed here.
 */
type Subject = { table: ReplicatedTable } | { permission: Permission };
const table = (t: ReplicatedTable): Subject => ({ table: t });
/** Rows read through the API with this permission (apiTokens.list, agents.list, …). */
const readWith = (p: Permission): Subject => ({ permission: p });

const EVENT_SUBJECT: Record<EventType, Subject> = {
  'workspace.created': table('workspaces'),
  'workspace.updated': table('workspaces'),
  'member.added': table('memberships'),
  'member.role_changed': table('memberships'),
  'member.removed': table('memberships'),
  // Invitations are not replicated rows: members.list shows them, with `read`.
  'member.invited': readWith('read'),
  'member.invitation_withdrawn': readWith('read'),
  'member.setup_code_used': readWith('read'),
  'api_token.created': readWith('administer'),
  'api_token.revoked': readWith('administer'),
  'channel.created': table('channels'),
  'channel.updated': table('channels'),
  'channel.removed': table('channels'),
  'channel.disabled': table('channels'),
  'channel.tested': table('channels'),
  'agent.enrolled': readWith('read'),
  'agent.revoked': readWith('read'),
  'enrollment_token.created': readWith('administer'),
  'host.added': table('hosts'),
  'host.updated': table('hosts'),
  'host.removed': table('hosts'),
  'host.status_changed': table('host_status'),
  'alert_rule.created': table('alert_rules'),
  'alert_rule.updated': table('alert_rules'),
  'alert_rule.removed': table('alert_rules'),
  'alert.snoozed': table('snoozes'),
  'maintenance.created': readWith('read'),
  'maintenance.updated': readWith('read'),
  'maintenance.cancelled': readWith('read'),
  'alert.unsnoozed': table('snoozes'),
  'alert.opened': table('alerts'),
  'alert.resolved': table('alerts'),
  'alert.acknowledged': table('alerts'),
  'alert.commented': table('comments'),
  'cert.scanned': table('certificates'),
  'change.approved': table('changes'),
  'change.rejected': table('changes'),
  'change.created': table('changes'),
  'change.updated': table('changes'),
  'change.submitted': table('changes'),
  'change.transitioned': table('changes'),
  'change.retrospective_reviewed': table('changes'),
  'approval.requested': table('approval_requests'),
  'approval.decided': table('approval_decisions'),
  'approval_policy.created': table('approval_policies'),
  'approval_policy.updated': table('approval_policies'),
  'approval_policy.removed': table('approval_policies'),
  'change_template.created': table('change_templates'),
  'change_template.approved': table('change_templates'),
  'change_template.removed': table('change_templates'),
  'delegation.created': table('delegations'),
  'delegation.removed': table('delegations'),
  'incident.opened': table('incidents'),
  'incident.updated': table('incidents'),
  'incident.transitioned': table('incidents'),
  'incident.noted': table('incident_timeline'),
  'incident.linked': table('incident_links'),
  'postmortem.written': table('incidents'),
  'postmortem.updated': table('incidents'),
  'task.created': table('tasks'),
  'task.updated': table('tasks'),
  'task.removed': table('tasks'),
  'project.created': table('projects'),
  'project.updated': table('projects'),
  'project.removed': table('projects'),
  'freeze_window.created': table('freeze_windows'),
  'freeze_window.updated': table('freeze_windows'),
  'freeze_window.removed': table('freeze_windows'),
  'change.collisions_updated': table('change_collisions'),
  'change.freeze_exception': table('changes'),
  'cab_meeting.created': table('cab_meetings'),
  'cab_meeting.updated': table('cab_meetings'),
  'cab_meeting.agenda_updated': table('cab_agenda_items'),
  'cab_meeting.decided': table('cab_agenda_items'),
  'control_test.failed': table('control_test_results'),
  'control_test.recovered': table('control_test_results'),
  'control_test.configured': table('control_test_settings'),
  'risk.created': table('risks'),
  'risk.updated': table('risks'),
  'risk.removed': table('risks'),
  'risk.signal_recorded': table('risk_signals'),
  'risk.flagged': table('risks'),
  'risk.review_due': table('risks'),
  'vendor.created': table('vendors'),
  'vendor.updated': table('vendors'),
  'vendor.removed': table('vendors'),
  'vendor.renewal_due': table('vendors'),
  'assessment_template.created': table('assessment_templates'),
  'assessment.created': table('vendor_assessments'),
  'assessment.recorded': table('vendor_assessments'),
  'framework.imported': table('frameworks'),
  'control.created': table('controls'),
  'control.updated': table('controls'),
  'control.removed': table('controls'),
  'control.needs_evidence': table('controls'),
  'control.evidence_current': table('controls'),
  'evidence.added': table('evidence'),
  'evidence.removed': table('evidence'),
  'evidence.expired': table('evidence'),
  'evidence.expiring': table('evidence'),
  // On-call (0019): schedules, policies, routes and pages replicate with `read`; an escalation's
  // start and stop are read through escalationPolicies.escalation, with `read`.
  'schedule.created': table('schedules'),
  'schedule.updated': table('schedule_layers'),
  'schedule.removed': table('schedules'),
  'schedule.override_added': table('schedule_overrides'),
  'schedule.override_removed': table('schedule_overrides'),
  'schedule.shift_changed': table('schedules'),
  'escalation_policy.created': table('escalation_policies'),
  'escalation_policy.updated': table('escalation_policies'),
  'escalation_policy.removed': table('escalation_policies'),
  'alert_route.updated': table('alert_routes'),
  'escalation.started': readWith('read'),
  'escalation.paged': table('escalation_pages'),
  'escalation.missed': readWith('read'),
  'escalation.stopped': readWith('read'),
  // SLOs replicate (0026); status pages do not: statusPages.list reads them with `read`.
  'slo.created': table('slos'),
  'slo.updated': table('slos'),
  'slo.removed': table('slos'),
  'status_page.created': readWith('read'),
  'status_page.updated': readWith('read'),
  'status_page.removed': readWith('read'),
  'status_page.notice_posted': readWith('read'),
};

const KNOWN = new Set<string>(EVENT_TYPES);

/** True when `role` may receive an event of this type live; an unknown type reaches no one. */
export function eventVisibleTo(role: WorkspaceRole, type: string): boolean {
  if (!KNOWN.has(type)) return false;
  const subject = EVENT_SUBJECT[type as EventType];
  return 'table' in subject ? tablesFor(role).includes(subject.table) : roleGrants(role, subject.permission);
}
