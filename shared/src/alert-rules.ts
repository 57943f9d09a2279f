import { z } from 'zod';
import { daysLeft } from './expiry.ts';
import { isBelow } from './grading.ts';
import { Grade, type ProtocolSupport, type Snapshot, TlsVersion } from './snapshot.ts';

/** A whole number in a range, its message naming the field (the rule form shows it beside it). */
const whole = (field: string, min: number, max: number) => {
  const words = `${field} must be a whole number from ${min} to ${max}`;
  return z.number({ error: words }).int(words).min(min, words).max(max, words);
};

/**
 * Alert rules: what a rule tests (the predicate), which hosts it covers (the scope), and the pure
 * evaluation over a host's current facts. The server evaluates with these after every stored
 * batch and on a schedule; the desktop uses the schemas for its rule editor.
 */
export const AlertPredicate = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('expires_within'), days: whole('days', 1, 3650) }),
    z.object({
      kind: z.literal('grade_below'),
      grade: z.enum(Grade.options, { error: 'grade must be a grade such as B' }),
    }),
    z.object({ kind: z.literal('chain_invalid') }),
    z.object({ kind: z.literal('hostname_mismatch') }),
    z.object({ kind: z.literal('ocsp_missing') }),
    z.object({
      kind: z.literal('protocol_enabled'),
      protocol: z.enum(TlsVersion.options, { error: 'protocol must be a protocol such as TLSv1' }),
    }),
    z.object({ kind: z.literal('unreachable'), scans: whole('scans', 1, 100) }),
    z.object({ kind: z.literal('latency_above'), ms: whole('ms', 1, 600_000) }),
    z.object({ kind: z.literal('agent_offline'), minutes: whole('minutes', 1, 100_000) }),
  ],
  {
    error:
      'predicate.kind must be one of expires_within, grade_below, chain_invalid, hostname_mismatch, ocsp_missing, protocol_enabled, unreachable, latency_above, agent_offline',
  },
);
export type AlertPredicate = z.infer<typeof AlertPredicate>;

export const AlertScope = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('all') }),
    z.object({
      kind: z.literal('tag'),
      tag: z
        .string({ error: 'tag must be a tag' })
        .min(1, 'tag must not be empty')
        .max(64, 'tag must be at most 64 characters'),
    }),
    z.object({ kind: z.literal('host'), hostId: z.uuid({ error: 'hostId must be a host' }) }),
  ],
  { error: 'scope.kind must be all, tag or host' },
);
export type AlertScope = z.infer<typeof AlertScope>;

export const AlertSeverity = z.enum(['info', 'warning', 'critical'], {
  error: 'severity must be info, warning or critical',
});
export type AlertSeverity = z.infer<typeof AlertSeverity>;

/**
 * What rules read about one host: its last scan, with certificate facts kept from the last scan
 * that reached it (an outage does not make "expires in 5 days" go away).
 */
export type HostFacts = {
  reachable: boolean;
  consecutiveUnreachable: number;
  grade: Grade | null;
  notAfter: string | null;
  chainTrusted: boolean | null;
  hostnameMatch: boolean | null;
  ocspStapled: boolean | null;
  protocols: Partial<Record<TlsVersion, ProtocolSupport>> | null;
  handshakeMs: number | null;
  /** When the host's agent was last heard from (null: never, or no agent). */
  agentLastSeen: string | null;
};

/** The certificate and posture facts of a snapshot that reached its host, or null. */
export function certificateFacts(
  s: Snapshot,
): Omit<HostFacts, 'reachable' | 'consecutiveUnreachable' | 'agentLastSeen'> | null {
  if (!s.tls) return null;
  return {
    grade: s.grade?.grade ?? null,
    notAfter: s.tls.chain[0]?.not_after ?? null,
    chainTrusted: s.tls.validation.trusted,
    hostnameMatch: s.tls.hostname_match,
    ocspStapled: s.tls.ocsp.stapled,
    protocols: s.tls.protocols,
    handshakeMs: s.latency.tls_ms,
  };
}

export type Evaluation = { firing: boolean; summary: string };

/** Tests one predicate against one host's facts at `now`. Unknown facts never fire. */
export function evaluate(p: AlertPredicate, f: HostFacts, now: Date): Evaluation {
  switch (p.kind) {
    case 'expires_within': {
      if (!f.notAfter) return { firing: false, summary: 'no certificate seen yet' };
      const days = daysLeft(f.notAfter, now);
      return days < 0
        ? { firing: true, summary: `certificate expired ${-days} day(s) ago` }
        : { firing: days < p.days, summary: `certificate expires in ${days} day(s)` };
    }
    case 'grade_below':
      return f.grade
        ? { firing: isBelow(f.grade, p.grade), summary: `grade ${f.grade} (threshold ${p.grade})` }
        : { firing: false, summary: 'not graded yet' };
    case 'chain_invalid':
      return f.chainTrusted === null
        ? { firing: false, summary: 'no chain seen yet' }
        : {
            firing: !f.chainTrusted,
            summary: f.chainTrusted ? 'chain trusted' : 'certificate chain is not trusted',
          };
    case 'hostname_mismatch':
      return f.hostnameMatch === null
        ? { firing: false, summary: 'no certificate seen yet' }
        : {
            firing: !f.hostnameMatch,
            summary: f.hostnameMatch ? 'hostname matches' : 'certificate does not match the hostname',
          };
    case 'ocsp_missing':
      return f.ocspStapled === null
        ? { firing: false, summary: 'no handshake seen yet' }
        : { firing: !f.ocspStapled, summary: f.ocspStapled ? 'OCSP stapled' : 'no OCSP response stapled' };
    case 'protocol_enabled': {
      const support = f.protocols?.[p.protocol];
      return { firing: support === 'accepted', summary: `${p.protocol} ${support ?? 'not tested'}` };
    }
    case 'unreachable':
      return {
        firing: f.consecutiveUnreachable >= p.scans,
        summary: f.reachable ? 'reachable' : `unreachable for ${f.consecutiveUnreachable} scan(s)`,
      };
    case 'latency_above':
      return f.handshakeMs === null
        ? { firing: false, summary: 'no handshake timing yet' }
        : {
            firing: f.handshakeMs > p.ms,
            summary: `handshake took ${Math.round(f.handshakeMs)} ms (limit ${p.ms} ms)`,
          };
    case 'agent_offline': {
      if (!f.agentLastSeen) return { firing: false, summary: 'agent never seen' };
      const minutes = Math.floor((now.getTime() - Date.parse(f.agentLastSeen)) / 60_000);
      return { firing: minutes >= p.minutes, summary: `agent last seen ${minutes} minute(s) ago` };
    }
    default: {
      const never: never = p;
      throw new Error(`unknown predicate ${JSON.stringify(never)}`);
    }
  }
}

/** Whether a predicate depends on time passing, so the scheduler must re-evaluate it without scans. */
export function isTimeBased(p: AlertPredicate): boolean {
  return p.kind === 'expires_within' || p.kind === 'agent_offline';
}

export type RuleState = { result: boolean; streak: number };

/**
 * Flapping suppression. Given the previous state, the new result and whether an alert is open,
 * returns the next state and the transition to make: an alert opens only after `openAfter`
 * firing results in a row, and resolves only after `resolveAfter` quiet ones in a row.
 */
export function step(
  prev: RuleState | undefined,
  result: boolean,
  alertOpen: boolean,
  thresholds: { openAfter: number; resolveAfter: number },
): { state: RuleState; transition: 'open' | 'resolve' | null } {
  const streak = prev && prev.result === result ? prev.streak + 1 : 1;
  const state = { result, streak };
  if (!alertOpen && result && streak >= thresholds.openAfter) return { state, transition: 'open' };
  if (alertOpen && !result && streak >= thresholds.resolveAfter) return { state, transition: 'resolve' };
  return { state, transition: null };
}

/** Whether a rule's scope covers a host. */
export function inScope(scope: AlertScope, host: { id: string; tags: readonly string[] }): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'tag':
      return host.tags.includes(scope.tag);
    case 'host':
      return host.id === scope.hostId;
    default: {
      const never: never = scope;
      throw new Error(`unknown scope ${JSON.stringify(never)}`);
    }
  }
}
