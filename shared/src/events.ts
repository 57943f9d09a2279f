/**
 * Event type names. Every state change emits one of these through the transactional outbox;
 * webhooks, notification channels, escalation and the desktop's live updates subscribe by name.
 * Later domains add theirs here (alert.opened, change.approved, cert.scanned, ...).
 */
export const EVENT_TYPES = [
  'workspace.created',
  'workspace.updated',
  'member.added',
  'member.role_changed',
  'member.removed',
  'member.invited',
  'member.invitation_withdrawn',
  'api_token.created',
  'api_token.revoked',
  'channel.created',
  'channel.updated',
  'channel.removed',
  'channel.disabled',
  'agent.enrolled',
  'agent.revoked',
  'enrollment_token.created',
  'host.added',
  'host.updated',
  'host.removed',
  'alert_rule.created',
  'alert_rule.updated',
  'alert_rule.removed',
  'alert.snoozed',
  'maintenance.created',
  'alert.opened',
  'alert.resolved',
  'alert.acknowledged',
  'alert.commented',
  'cert.scanned',
  'change.approved',
  'change.rejected',
  // Change management (server/src/changes/).
  'change.created',
  'change.updated',
  'change.submitted',
  'change.transitioned',
  'change.retrospective_reviewed',
  'approval.requested',
  'approval.decided',
  'approval_policy.created',
  'approval_policy.updated',
  'approval_policy.removed',
  'change_template.created',
  'change_template.approved',
  'change_template.removed',
  'delegation.created',
  'delegation.removed',
  'incident.opened',
  // Incidents, tasks and projects (server/src/incidents/, server/src/work/).
  'incident.updated',
  'incident.transitioned',
  'incident.noted',
  'incident.linked',
  'postmortem.written',
  'postmortem.updated',
  'task.created',
  'task.updated',
  'task.removed',
  'project.created',
  'project.updated',
  'project.removed',
  // The change calendar: freeze windows, collisions, CAB meetings (server/src/changes/).
  'freeze_window.created',
  'freeze_window.updated',
  'freeze_window.removed',
  'change.collisions_updated',
  'change.freeze_exception',
  'cab_meeting.created',
  'cab_meeting.updated',
  'cab_meeting.agenda_updated',
  'cab_meeting.decided',
  // Automated control tests (server/src/compliance/control-tests/).
  'control_test.failed',
  'control_test.recovered',
  'control_test.configured',
  // Risk register and vendors (server/src/compliance/risks/, vendors/).
  'risk.created',
  'risk.updated',
  'risk.removed',
  'risk.signal_recorded',
  'risk.flagged',
  'risk.review_due',
  'vendor.created',
  'vendor.updated',
  'vendor.removed',
  'vendor.renewal_due',
  'assessment_template.created',
  'assessment.created',
  'assessment.recorded',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A subscription filter: exact names, or a domain wildcard such as `alert.*`, or `*`. */
export const EVENT_FILTER_PATTERN = /^(\*|[a-z_]+\.\*|[a-z_]+(\.[a-z_]+)+)$/;

export function eventMatches(filter: readonly string[], type: string): boolean {
  return filter.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}
