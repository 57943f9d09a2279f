import type { Grade } from './snapshot.ts';

/**
 * The answer of `hosts.history`: a host's day-by-day grade trend and the chain and posture of its
 * latest handshake. Snapshots are not replicated to desktops (too many), so the server computes
 * this and the desktop caches it; both read these types.
 */

/** One UTC day of a host's scans: the worst grade seen and whether every scan reached it. */
export type HistoryPoint = {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** The worst grade of the day (T and M count as worse than F); null when no scan graded it. */
  grade: Grade | null;
  /** True when every scan of the day reached the host; null on a day without scans. */
  reachable: boolean | null;
  scans: number;
};

export type ChainCertificate = {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  fingerprint: string;
  keyAlgorithm: string;
  keyBits: number | null;
  signatureAlgorithm: string;
  isCa: boolean;
  selfSigned: boolean;
};

/** The certificate chain and TLS posture of the latest scan that completed a handshake. */
export type LatestScan = {
  scannedAt: string;
  chain: ChainCertificate[];
  validation: { trusted: boolean; problems: string[]; detail: string | null };
  posture: {
    negotiatedProtocol: string;
    negotiatedCipher: string;
    hostnameMatch: boolean;
    ocspStapled: boolean;
    protocols: Record<string, string>;
    hsts: { present: boolean; maxAge: number | null } | null;
    gradeReasons: Array<{ rule: string; message: string }>;
  };
};

export type HostHistory = { hostId: string; days: number; points: HistoryPoint[]; latest: LatestScan | null };
