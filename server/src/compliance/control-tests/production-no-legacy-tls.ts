import type { ControlTestEvaluator } from './types.ts';
import { iso, judge } from './types.ts';
import { productionHosts } from './production-hosts.ts';

const LEGACY = ['TLSv1', 'TLSv1.1'] as const;

/**
 * No production endpoint accepts TLS 1.0 or 1.1, by the protocols its latest scan probed
 * (host_status.facts.protocols, the scanner's per-version result). A host not scanned yet, or
 * whose scan did not probe protocols, is not judged: the test cannot say either way.
 */
export const productionNoLegacyTls: ControlTestEvaluator = async (tx) => {
  const hosts = await productionHosts(tx);
  const subjects = hosts.flatMap((h) => {
    const protocols = (h.facts?.protocols ?? null) as Record<string, string> | null;
    if (!protocols) return [];
    const accepted = LEGACY.filter((v) => protocols[v] === 'accepted');
    return [
      {
        type: 'host',
        id: h.id,
        ok: accepted.length === 0,
        fields: {
          hostname: h.hostname,
          port: h.port,
          scannedAt: iso(h.scannedAt),
          TLSv1: protocols.TLSv1 ?? null,
          'TLSv1.1': protocols['TLSv1.1'] ?? null,
        },
      },
    ];
  });
  return judge(subjects, {
    none: 'No production host has a scan that probed its protocols yet.',
    pass: (n) => `None of ${n} scanned production endpoint(s) accepts TLS 1.0 or 1.1.`,
    fail: (bad, n) => `${bad} of ${n} scanned production endpoint(s) accept TLS 1.0 or 1.1.`,
  });
};
