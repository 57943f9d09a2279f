import type { PredicateDraft, RuleMatchesView, ScopeDraft } from '../../../bridge/alerting-admin.ts';

/** How the rule form and list name each predicate, and the one threshold it takes (if any). */
export const PREDICATE_KINDS = [
  { kind: 'expires_within', label: 'Certificate expires within', field: 'days', unit: 'days' },
  { kind: 'grade_below', label: 'Grade below', field: 'grade', unit: '' },
  { kind: 'chain_invalid', label: 'Certificate chain not trusted', field: undefined, unit: '' },
  { kind: 'hostname_mismatch', label: 'Certificate does not match the hostname', field: undefined, unit: '' },
  { kind: 'ocsp_missing', label: 'No OCSP response stapled', field: undefined, unit: '' },
  { kind: 'protocol_enabled', label: 'Protocol accepted', field: 'protocol', unit: '' },
  { kind: 'unreachable', label: 'Unreachable for', field: 'scans', unit: 'scans in a row' },
  { kind: 'latency_above', label: 'TLS handshake slower than', field: 'ms', unit: 'ms' },
  { kind: 'agent_offline', label: 'Agent silent for', field: 'minutes', unit: 'minutes' },
] as const;

export type PredicateKind = (typeof PREDICATE_KINDS)[number]['kind'];
export type ThresholdField = NonNullable<(typeof PREDICATE_KINDS)[number]['field']>;

export const kindOf = (kind: string) => PREDICATE_KINDS.find((k) => k.kind === kind);

/** A predicate in words: "Certificate expires within 30 days". */
export function predicateWords(p: PredicateDraft): string {
  const k = kindOf(p.kind);
  if (!k) return p.kind;
  if (!k.field) return k.label;
  return `${k.label} ${String(p[k.field] ?? '?')}${k.unit ? ` ${k.unit}` : ''}`;
}

/** A scope in words, hosts named from the replica when it knows them. */
export function scopeWords(s: ScopeDraft, hostLabel: (id: string) => string | undefined): string {
  if (s.kind === 'tag') return `hosts tagged ${s.tag ?? '?'}`;
  if (s.kind === 'host') return `only ${hostLabel(s.hostId ?? '') ?? 'one host'}`;
  return 'all hosts';
}

/** "matches 3 hosts, 1 firing now (2 not scanned yet)". */
export function matchesWords(m: RuleMatchesView): string {
  const hosts = `${m.hosts} host${m.hosts === 1 ? '' : 's'}`;
  const unscanned = m.unscanned ? ` (${m.unscanned} not scanned yet)` : '';
  return `matches ${hosts}, ${m.firing} firing now${unscanned}`;
}
