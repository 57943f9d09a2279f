import type { AlertPredicate, AlertSeverity } from './alert-rules.ts';

/** One rule a new workspace starts with: scope all hosts, no flapping suppression, enabled. */
export type DefaultAlertRule = { name: string; predicate: AlertPredicate; severity: AlertSeverity };

/**
 * The alert rules every new workspace is created with, so a certificate about to expire raises
 * something before anyone has written a rule. They are ordinary rules once created (editable,
 * removable, each with its audit row); workspaces made before this list existed are not given
 * them. Declared here so the desktop can show what a new workspace starts with.
 */
export const DEFAULT_ALERT_RULES: readonly DefaultAlertRule[] = [
  {
    name: 'Certificate expires within 30 days',
    predicate: { kind: 'expires_within', days: 30 },
    severity: 'warning',
  },
  {
    name: 'Certificate expires within 7 days',
    predicate: { kind: 'expires_within', days: 7 },
    severity: 'critical',
  },
  { name: 'Certificate chain not trusted', predicate: { kind: 'chain_invalid' }, severity: 'critical' },
  {
    name: 'Certificate does not match the hostname',
    predicate: { kind: 'hostname_mismatch' },
    severity: 'critical',
  },
  {
    name: 'Host unreachable for 3 scans',
    predicate: { kind: 'unreachable', scans: 3 },
    severity: 'critical',
  },
  { name: 'Grade below B', predicate: { kind: 'grade_below', grade: 'B' }, severity: 'warning' },
  {
    name: 'Agent offline for 15 minutes',
    predicate: { kind: 'agent_offline', minutes: 15 },
    severity: 'warning',
  },
];
