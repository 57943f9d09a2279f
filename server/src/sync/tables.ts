import { SHIFT_START_TABLE } from '@vigilo/shared/oncall';
import { type Permission, roleGrants, type WorkspaceRole } from '@vigilo/shared/roles';

/**
 * The tables whose rows replicate to desktops, and the permission a caller needs to receive
 * them. The change log (0005_sync.sql) records every tracked table; a pull hands out only what
 * the caller's role may read through the API anyway. A table missing here is never sent.
 */
export const REPLICATED_TABLES = {
  workspaces: 'read',
  memberships: 'read',
  channels: 'administer',
  hosts: 'read',
  host_status: 'read',
  certificates: 'read',
  alert_rules: 'read',
  alerts: 'read',
  snoozes: 'read',
  comments: 'read',
  // Change management (0009): what the Approvals and Changes pages read.
  changes: 'read',
  change_templates: 'read',
  approval_policies: 'read',
  approval_requests: 'read',
  approval_decisions: 'read',
  delegations: 'read',
  incidents: 'read',
  incident_timeline: 'read',
  incident_links: 'read',
  tasks: 'read',
  projects: 'read',
  // The change calendar (0011): freeze windows, CAB meetings and their agendas, collisions.
  freeze_windows: 'read',
  cab_meetings: 'read',
  cab_agenda_items: 'read',
  change_collisions: 'read',
  // Automated control tests (0012): results with what they looked at, and per-test settings.
  control_test_results: 'audit',
  control_test_settings: 'audit',
  // Risk register and vendors (0013): everything but the scheduler's announcement markers.
  risks: 'audit',
  risk_hosts: 'audit',
  risk_vendors: 'audit',
  risk_controls: 'audit',
  risk_tasks: 'audit',
  risk_history: 'audit',
  risk_signals: 'audit',
  vendors: 'audit',
  vendor_hosts: 'audit',
  assessment_templates: 'audit',
  vendor_assessments: 'audit',
  // Frameworks, controls and evidence (0015): evidence metadata, never the files' bytes.
  frameworks: 'audit',
  framework_requirements: 'audit',
  controls: 'audit',
  control_requirements: 'audit',
  evidence: 'audit',
  // On-call (0019): what the On-call page reads, and the pages that notify the paged person.
  schedules: 'read',
  schedule_layers: 'read',
  schedule_overrides: 'read',
  escalation_policies: 'read',
  alert_routes: 'read',
  escalation_pages: 'read',
  // SLOs with a snapshot of their state, and each schedule's latest shift start (0026): the SLO
  // page and the inbox's burning-SLO strip read offline; a shift start notifies its member.
  slos: 'read',
  slo_status: 'read',
  [SHIFT_START_TABLE]: 'read',
} as const satisfies Record<string, Permission>;

export type ReplicatedTable = keyof typeof REPLICATED_TABLES;

/** The replicated tables a role may receive, sorted (the list doubles as a scope fingerprint). */
export function tablesFor(role: WorkspaceRole): ReplicatedTable[] {
  return (Object.keys(REPLICATED_TABLES) as ReplicatedTable[])
    .filter((t) => roleGrants(role, REPLICATED_TABLES[t]))
    .sort();
}
