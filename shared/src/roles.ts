import { z } from 'zod';

/**
 * The role model of DESIGN.md §3, as data. The server enforces it in one tRPC middleware; the
 * desktop reads it to show only what a user may do. Changing who may do what happens here only.
 */
export const WORKSPACE_ROLES = ['viewer', 'member', 'approver', 'admin', 'owner', 'auditor'] as const;
export const workspaceRoleSchema = z.enum(WORKSPACE_ROLES, {
  error: `role must be one of ${WORKSPACE_ROLES.join(', ')}`,
});
export type WorkspaceRole = z.infer<typeof workspaceRoleSchema>;

/** What a role may do in a workspace. */
export const PERMISSIONS = {
  /** Read hosts, snapshots, alerts, incidents, changes, tasks, projects, members, channels. */
  read: ['viewer', 'member', 'approver', 'admin', 'owner'],
  /** Add / edit / pause / resume hosts, snooze alerts, create changes, incidents, tasks. */
  operate: ['member', 'approver', 'admin', 'owner'],
  /** Approvals, vendors, compliance (risks, frameworks, evidence). */
  approve: ['approver', 'admin', 'owner'],
  /** Alert rules, delete hosts, members, settings, integrations, status pages, agents, API tokens. */
  administer: ['admin', 'owner'],
  /** Delete or transfer the workspace. */
  own: ['owner'],
  /** Read the audit log and compliance, export audit bundles. The auditor's grant is time-boxed. */
  audit: ['auditor', 'approver', 'admin', 'owner'],
  /**
   * Pull the change log into a desktop replica: every role, the auditor too. What each receives
   * is only the tables its role may read (server/src/sync/tables.ts): an auditor gets the
   * compliance tables and nothing of the monitoring or change data it may not read.
   */
  replicate: ['viewer', 'member', 'approver', 'admin', 'owner', 'auditor'],
} as const satisfies Record<string, readonly WorkspaceRole[]>;
export type Permission = keyof typeof PERMISSIONS;

/**
 * Who may call a procedure:
 * - `public`: anyone, signed in or not;
 * - `signed_in`: any authenticated user (no workspace involved);
 * - `platform_admin`: the cross-workspace operators;
 * - a Permission: members of the named workspace whose role grants it.
 */
export type Access = 'public' | 'signed_in' | 'platform_admin' | Permission;

/** Every procedure of the API and who may call it. A procedure missing here cannot be served. */
export const PROCEDURE_ACCESS = {
  'system.info': 'public',
  'system.ticks': 'public',
  'workspace.create': 'signed_in',
  'workspace.mine': 'signed_in',
  'workspace.get': 'read',
  'workspace.update': 'administer',
  'members.list': 'read',
  'members.add': 'administer',
  'members.setRole': 'administer',
  'members.remove': 'administer',
  'apiTokens.list': 'administer',
  'apiTokens.create': 'administer',
  'apiTokens.revoke': 'administer',
  'audit.list': 'audit',
  'audit.verify': 'audit',
  'channels.list': 'administer',
  'channels.create': 'administer',
  'channels.update': 'administer',
  'channels.remove': 'administer',
  'channels.deliveries': 'administer',
  'channels.test': 'administer',
  'events.live': 'read',
  'platform.workspaces': 'platform_admin',
  'agents.list': 'read',
  'agents.createEnrollmentToken': 'administer',
  'agents.revoke': 'administer',
  'agents.setDefault': 'administer',
  'hosts.list': 'read',
  'hosts.add': 'operate',
  'hosts.update': 'operate',
  'hosts.setActive': 'operate',
  'hosts.history': 'read',
  'hosts.remove': 'administer',
  'hosts.import': 'operate',
  'hosts.move': 'administer',
  'alertRules.list': 'read',
  'alertRules.create': 'administer',
  'alertRules.update': 'administer',
  'alertRules.remove': 'administer',
  'alertRules.preview': 'administer',
  'alerts.list': 'read',
  'alerts.acknowledge': 'operate',
  'alerts.resolve': 'operate',
  'alerts.comment': 'operate',
  'alerts.comments': 'read',
  'alerts.snooze': 'operate',
  'alerts.scheduleMaintenance': 'administer',
  'maintenance.list': 'read',
  'maintenance.update': 'administer',
  'maintenance.cancel': 'administer',
  'snoozes.list': 'read',
  'snoozes.lift': 'operate',
  'certificates.inventory': 'read',
  // Batches the ingest workers could not store after several attempts (scaled mode).
  'ingest.deadLetters': 'administer',
  'ingest.retryDeadLetter': 'administer',
  // Change management: raising and moving changes is `operate`; deciding, policies, templates and
  // delegations are `approve` (an admin may also delegate for someone else: delegations.ts).
  'changes.list': 'read',
  'changes.get': 'read',
  'changes.create': 'operate',
  'changes.update': 'operate',
  'changes.transition': 'operate',
  'approvals.mine': 'approve',
  'approvals.decide': 'approve',
  'approvalPolicies.list': 'read',
  'approvalPolicies.create': 'approve',
  'approvalPolicies.update': 'approve',
  'approvalPolicies.remove': 'approve',
  'changeTemplates.list': 'read',
  'changeTemplates.create': 'approve',
  'changeTemplates.approve': 'approve',
  'changeTemplates.remove': 'approve',
  'delegations.list': 'read',
  'delegations.create': 'approve',
  'delegations.remove': 'approve',
  // The change calendar: drafting a renewal is raising a change (`operate`); freeze windows and
  // CAB meetings, with the board's decisions, are approvers' work (`approve`).
  'changes.draftRenewal': 'operate',
  'freezeWindows.list': 'read',
  'freezeWindows.create': 'approve',
  'freezeWindows.update': 'approve',
  'freezeWindows.remove': 'approve',
  'cab.list': 'read',
  'cab.get': 'read',
  'cab.create': 'approve',
  'cab.update': 'approve',
  'cab.refreshAgenda': 'approve',
  'cab.addDecision': 'approve',
  // Incidents, tasks, projects: reading is everyone's, working on them is `operate`. Removing a
  // task too (its creator fixing a mistake; the audit row keeps it); removing a project ungroups
  // every task of it, so it is `administer`, like removing a host.
  'incidents.list': 'read',
  'incidents.get': 'read',
  'incidents.create': 'operate',
  'incidents.update': 'operate',
  'incidents.transition': 'operate',
  'incidents.note': 'operate',
  'incidents.link': 'operate',
  'incidents.postmortem': 'operate',
  'tasks.list': 'read',
  'tasks.create': 'operate',
  'tasks.update': 'operate',
  'tasks.remove': 'operate',
  'projects.list': 'read',
  'projects.get': 'read',
  'projects.create': 'operate',
  'projects.update': 'operate',
  'projects.remove': 'administer',
  // Automated control tests and the audit bundle (issue 13): reading is `audit`, running a test
  // or changing its settings (it may open tasks) is `approve`.
  'controlTests.list': 'audit',
  'controlTests.results': 'audit',
  'controlTests.run': 'approve',
  'controlTests.configure': 'approve',
  'audit.bundle': 'audit',
  // Risk register and vendors (issue 13): reading is `audit`, changing is `approve`.
  'risks.list': 'audit',
  'risks.get': 'audit',
  'risks.heatmap': 'audit',
  'risks.signals': 'audit',
  'risks.create': 'approve',
  'risks.update': 'approve',
  'risks.addTask': 'approve',
  'risks.remove': 'approve',
  'vendors.list': 'audit',
  'vendors.get': 'audit',
  'vendors.create': 'approve',
  'vendors.update': 'approve',
  'vendors.remove': 'approve',
  'assessments.templates': 'audit',
  'assessments.list': 'audit',
  'assessments.createTemplate': 'approve',
  'assessments.create': 'approve',
  'assessments.record': 'approve',
  // Frameworks, controls and evidence (issue 13): reading is `audit`, changing controls and
  // evidence is `approve`, importing a framework (a workspace-wide catalogue) is `administer`.
  'frameworks.list': 'audit',
  'frameworks.get': 'audit',
  'frameworks.coverage': 'audit',
  'frameworks.import': 'administer',
  'controls.list': 'audit',
  'controls.get': 'audit',
  'controls.reminders': 'audit',
  'controls.create': 'approve',
  'controls.update': 'approve',
  'controls.remove': 'approve',
  'evidence.list': 'audit',
  'evidence.file': 'audit',
  'evidence.add': 'approve',
  'evidence.remove': 'approve',
  // On-call (issue 15): everyone reads; covering a shift is `operate`; schedules, policies and
  // routes are settings, `administer`.
  'schedules.list': 'read',
  'schedules.get': 'read',
  'schedules.onCall': 'read',
  'schedules.shifts': 'read',
  'schedules.create': 'administer',
  'schedules.update': 'administer',
  'schedules.remove': 'administer',
  'schedules.addLayer': 'administer',
  'schedules.updateLayer': 'administer',
  'schedules.removeLayer': 'administer',
  'schedules.addOverride': 'operate',
  'schedules.removeOverride': 'operate',
  'escalationPolicies.list': 'read',
  'escalationPolicies.get': 'read',
  'escalationPolicies.routes': 'read',
  'escalationPolicies.escalation': 'read',
  'escalationPolicies.pages': 'read',
  'escalationPolicies.create': 'administer',
  'escalationPolicies.update': 'administer',
  'escalationPolicies.remove': 'administer',
  'escalationPolicies.route': 'administer',
  // SLOs and public status pages (issue 15): reading is `read`, defining them `administer`.
  'slos.list': 'read',
  'slos.status': 'read',
  'slos.create': 'administer',
  'slos.update': 'administer',
  'slos.remove': 'administer',
  'statusPages.list': 'read',
  'statusPages.get': 'read',
  'statusPages.create': 'administer',
  'statusPages.update': 'administer',
  'statusPages.remove': 'administer',
  'statusPages.setComponents': 'administer',
  'statusPages.postNotice': 'administer',
  'statusPages.postUpdate': 'administer',
  // Desktop sync: each sync.push kind checks its own permission (server/src/sync/mutations.ts).
  'sync.pull': 'replicate',
  'sync.audit': 'audit',
  'sync.push': 'read',
} as const satisfies Record<string, Access>;
export type ProcedurePath = keyof typeof PROCEDURE_ACCESS;

export function roleGrants(role: WorkspaceRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly WorkspaceRole[]).includes(role);
}

/** Rank for "no higher than": an API token may not carry more than its creator has. */
const RANK: Record<WorkspaceRole, number> = {
  viewer: 0,
  auditor: 0,
  member: 1,
  approver: 2,
  admin: 3,
  owner: 4,
};

/** True when every permission of `wanted` is also granted to `holder`. */
export function roleAtMost(wanted: WorkspaceRole, holder: WorkspaceRole): boolean {
  const perms = Object.keys(PERMISSIONS) as Permission[];
  return RANK[wanted] <= RANK[holder] && perms.every((p) => !roleGrants(wanted, p) || roleGrants(holder, p));
}
