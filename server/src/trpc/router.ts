import { builderMismatches, router } from './init.ts';
import { agentsRouter } from './routers/agents.ts';
import { alertRulesRouter } from './routers/alert-rules.ts';
import { alertsRouter } from './routers/alerts.ts';
import { approvalPoliciesRouter } from './routers/approval-policies.ts';
import { approvalsRouter } from './routers/approvals.ts';
import { changeTemplatesRouter } from './routers/change-templates.ts';
import { changesRouter } from './routers/changes.ts';
import { delegationsRouter } from './routers/delegations.ts';
import { cabRouter } from './routers/cab.ts';
import { freezeWindowsRouter } from './routers/freeze-windows.ts';
import { apiTokensRouter } from './routers/api-tokens.ts';
import { certificatesRouter } from './routers/certificates.ts';
import { hostsRouter } from './routers/hosts.ts';
import { incidentsRouter } from './routers/incidents.ts';
import { ingestRouter } from './routers/ingest.ts';
import { auditRouter } from './routers/audit.ts';
import { channelsRouter } from './routers/channels.ts';
import { eventsRouter } from './routers/events.ts';
import { membersRouter } from './routers/members.ts';
import { platformRouter } from './routers/platform.ts';
import { projectsRouter } from './routers/projects.ts';
import { syncRouter } from './routers/sync.ts';
import { systemRouter } from './routers/system.ts';
import { controlTestsRouter } from './routers/control-tests.ts';
import { controlsRouter } from './routers/controls.ts';
import { evidenceRouter } from './routers/evidence.ts';
import { frameworksRouter } from './routers/frameworks.ts';
import { tasksRouter } from './routers/tasks.ts';
import { risksRouter } from './routers/risks.ts';
import { vendorsRouter } from './routers/vendors.ts';
import { assessmentsRouter } from './routers/assessments.ts';
import { workspaceRouter } from './routers/workspace.ts';
import { schedulesRouter } from './routers/schedules.ts';
import { escalationPoliciesRouter } from './routers/escalation-policies.ts';
import { slosRouter } from './routers/slos.ts';
import { statusPagesRouter } from './routers/status-pages.ts';
import { maintenanceRouter, snoozesRouter } from './routers/maintenance.ts';

/** The whole API: one sub-router per domain. Who may call what: shared/src/roles.ts. */
export const appRouter = router({
  system: systemRouter,
  workspace: workspaceRouter,
  members: membersRouter,
  apiTokens: apiTokensRouter,
  audit: auditRouter,
  channels: channelsRouter,
  events: eventsRouter,
  platform: platformRouter,
  agents: agentsRouter,
  hosts: hostsRouter,
  alertRules: alertRulesRouter,
  alerts: alertsRouter,
  certificates: certificatesRouter,
  ingest: ingestRouter,
  changes: changesRouter,
  approvals: approvalsRouter,
  approvalPolicies: approvalPoliciesRouter,
  changeTemplates: changeTemplatesRouter,
  delegations: delegationsRouter,
  freezeWindows: freezeWindowsRouter,
  cab: cabRouter,
  sync: syncRouter,
  incidents: incidentsRouter,
  tasks: tasksRouter,
  projects: projectsRouter,
  risks: risksRouter,
  vendors: vendorsRouter,
  assessments: assessmentsRouter,
  controlTests: controlTestsRouter,
  frameworks: frameworksRouter,
  controls: controlsRouter,
  evidence: evidenceRouter,
  schedules: schedulesRouter,
  escalationPolicies: escalationPoliciesRouter,
  slos: slosRouter,
  statusPages: statusPagesRouter,
  maintenance: maintenanceRouter,
  snoozes: snoozesRouter,
});

// Checked once at start, so a procedure built with the wrong builder for its access in the role
// matrix (a workspace procedure with `signed_in` access, say) fails every test instead of one call.
// (`_def.procedures` is typed as the nested router, but holds every procedure by its dotted path.)
const mismatches = builderMismatches(
  appRouter._def.procedures as unknown as Record<string, { _def: { meta?: unknown } }>,
);
if (mismatches.length > 0)
  throw new Error(`procedures built against the role matrix:\n${mismatches.join('\n')}`);
