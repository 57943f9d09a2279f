/**
 * Grading: snapshot facts -> A+ … F, T, M with the reasons that produced it.
 *
 * Follows the SSL Labs server rating guide (as testssl.sh's rating also does): certificate checks,
 * then three weighted scores, then caps where the lowest applying cap wins. Every rule has a stable
 * id; README.md "Grading" is the table of them, and shared/test/grading.test.ts checks each one.
 * Pure: no clock, no I/O — the agent, the server and the desktop must compute the same grade.
 */
import { classifyCipherSuite, rsaEquivalentBits } from './cipher-suites.ts';
import type {
  CipherSuite,
  Grade,
  GradeReason,
  GradeResult,
  HttpInfo,
  KeyInfo,
  TlsInfo,
  TlsVersion,
} from './snapshot.ts';

/** Best first. */
export const GRADE_ORDER: readonly Grade[] = ['A+', 'A', 'A-', 'B', 'C', 'D', 'E', 'F'];

/** 180 days: the HSTS max-age A+ requires. */
export const HSTS_MIN_MAX_AGE = 15_552_000;

const PROTOCOL_SCORE: Record<TlsVersion, number> = {
  SSLv2: 0,
  SSLv3: 80,
  TLSv1: 90,
  'TLSv1.1': 95,
  'TLSv1.2': 100,
  'TLSv1.3': 100,
};

/** Ranks grades for "lowest wins"; T and M are not ranked (they replace the letter). */
export function gradeRank(grade: Grade): number {
  const i = GRADE_ORDER.indexOf(grade);
  return i === -1 ? GRADE_ORDER.length : i;
}

/** True when `grade` is strictly worse than `threshold` (T and M count as worse than F). */
export function isBelow(grade: Grade, threshold: Grade): boolean {
  return gradeRank(grade) > gradeRank(threshold);
}

function letterFromScore(total: number): Grade {
  if (total >= 80) return 'A';
  if (total >= 65) return 'B';
  if (total >= 50) return 'C';
  if (total >= 35) return 'D';
  if (total >= 20) return 'E';
  return 'F';
}

function keyExchangeScore(strength: number, anonymous: boolean, exportKx: boolean): number {
  if (anonymous) return 0;
  if (strength < 512) return 20;
  if (exportKx || strength < 1024) return 40;
  if (strength < 2048) return 80;
  if (strength < 4096) return 90;
  return 100;
}

function cipherScore(bits: number): number {
  if (bits === 0) return 0;
  if (bits < 128) return 20;
  if (bits < 256) return 80;
  return 100;
}

/** RSA-equivalent strength of a certificate key. */
export function certificateKeyStrength(key: KeyInfo): number | null {
  if (key.bits === null) return null;
  switch (key.algorithm) {
    case 'RSA':
    case 'RSA-PSS':
    case 'DSA':
      return key.bits;
    case 'EC':
      return rsaEquivalentBits('EC', key.bits, key.curve);
    case 'Ed25519':
      return 3072;
    case 'Ed448':
      return 7680;
    case 'unknown':
      return null;
    default: {
      const never: never = key.algorithm;
      return never;
    }
  }
}

interface Suites {
  /** [protocol, suite] pairs: the same suite under two protocols counts under each. */
  all: { protocol: TlsVersion; suite: CipherSuite }[];
  accepted: TlsVersion[];
}

/** What the snapshot tells us was accepted; a certificate-only check knows only the negotiated pair. */
function collect(tls: TlsInfo): Suites {
  if (!tls.posture_probed) {
    const suite = { ...classifyCipherSuite(tls.negotiated_cipher), kx: tls.negotiated_kx };
    return { all: [{ protocol: tls.negotiated_protocol, suite }], accepted: [tls.negotiated_protocol] };
  }
  const accepted = (Object.keys(tls.protocols) as TlsVersion[]).filter(
    (p) => tls.protocols[p] === 'accepted',
  );
  const all = accepted.flatMap((protocol) =>
    (tls.ciphers[protocol] ?? []).map((suite) => ({ protocol, suite })),
  );
  return { all, accepted };
}

/**
 * The grade for one snapshot's facts; null when no handshake completed (nothing to grade).
 * The table of rules is in README.md "Grading".
 */
export function gradeSnapshot(facts: { tls: TlsInfo | null; http: HttpInfo | null }): GradeResult | null {
  const { tls, http } = facts;
  if (!tls) return null;
  const reasons: GradeReason[] = [];
  const caps: Grade[] = [];
  const cap = (grade: Grade, rule: string, message: string) => {
    caps.push(grade);
    reasons.push({ rule, cap: grade, message });
  };

  const { all, accepted } = collect(tls);
  const has = (p: TlsVersion) => accepted.includes(p);
  if (!tls.posture_probed) {
    reasons.push({
      rule: 'posture.not_probed',
      cap: null,
      message: 'Only the negotiated protocol and cipher were checked; protocols and suites were not probed.',
    });
  }

  // Protocol score: mean of the best and the worst protocol offered.
  const protoScores = accepted.map((p) => PROTOCOL_SCORE[p]);
  const protocol = protoScores.length ? (Math.max(...protoScores) + Math.min(...protoScores)) / 2 : 0;

  // Key exchange: the weakest of the certificate key and every ephemeral group seen.
  const leaf = tls.chain[0];
  const certStrength = leaf ? certificateKeyStrength(leaf.key) : null;
  const kxStrengths = all.flatMap(({ suite }) =>
    suite.kx?.bits != null && suite.kx.type !== 'RSA'
      ? [rsaEquivalentBits(suite.kx.type === 'ECDH' ? 'EC' : 'DH', suite.kx.bits, suite.kx.group)]
      : [],
  );
  const dhBits = all.flatMap(({ suite }) =>
    suite.kx?.type === 'DH' && suite.kx.bits != null ? [suite.kx.bits] : [],
  );
  const strengths = [...kxStrengths, ...(certStrength === null ? [] : [certStrength])];
  const weakest = strengths.length ? Math.min(...strengths) : 0;
  const anonymous = all.some(({ suite }) => suite.anonymous);
  const exported = all.some(({ suite }) => suite.export);
  const keyExchange = keyExchangeScore(weakest, anonymous, exported);

  // Cipher strength: mean of the strongest and the weakest suite.
  const bits = all.map(({ suite }) => suite.bits);
  const cipher = bits.length ? (cipherScore(Math.max(...bits)) + cipherScore(Math.min(...bits))) / 2 : 0;
  const total = Math.round((0.3 * protocol + 0.3 * keyExchange + 0.4 * cipher) * 10) / 10;
  const scoreLetter = letterFromScore(total);
  if (scoreLetter !== 'A') {
    reasons.push({
      rule: 'score',
      cap: scoreLetter,
      message: `Score ${total} (protocol ${protocol}, key exchange ${keyExchange}, cipher ${cipher}) earns ${scoreLetter}.`,
    });
  }

  // F caps.
  if (has('SSLv2')) cap('F', 'protocol.sslv2', 'SSL 2.0 is accepted.');
  if (exported) cap('F', 'cipher.export', 'Export-grade cipher suites are accepted.');
  const under112 = all.filter(({ suite }) => suite.bits < 112);
  if (under112.length) {
    const names = [...new Set(under112.map(({ suite }) => suite.name))].join(', ');
    cap('F', 'cipher.under_112_bits', `Suites weaker than 112 bits (NULL included) are accepted: ${names}.`);
  }
  if (anonymous) cap('F', 'kx.anonymous', 'Anonymous (unauthenticated) key exchange is accepted.');
  if (strengths.length && weakest < 1024) {
    cap('F', 'kx.under_1024_bits', `Key exchange as weak as ${weakest} bits (RSA-equivalent).`);
  }

  // C caps.
  if (has('SSLv3')) cap('C', 'protocol.sslv3', 'SSL 3.0 is accepted.');
  if (tls.posture_probed && !has('TLSv1.2') && !has('TLSv1.3')) {
    cap('C', 'protocol.no_tls12', 'Neither TLS 1.2 nor TLS 1.3 is supported.');
  }
  const modern = all.filter(({ protocol: p }) => p !== 'SSLv2' && p !== 'SSLv3' && p !== 'TLSv1');
  if (modern.some(({ suite }) => suite.encryption === 'RC4')) {
    cap('C', 'cipher.rc4_modern', 'RC4 is accepted with TLS 1.1 or newer.');
  }
  if (modern.some(({ suite }) => suite.encryption === '3DES-CBC')) {
    cap('C', 'cipher.3des_modern', '3DES is accepted with TLS 1.1 or newer.');
  }

  // B caps.
  if (has('TLSv1')) cap('B', 'protocol.tls10', 'TLS 1.0 is accepted.');
  if (has('TLSv1.1')) cap('B', 'protocol.tls11', 'TLS 1.1 is accepted.');
  if (all.length && !all.some(({ suite }) => suite.forward_secrecy)) {
    cap('B', 'cipher.no_forward_secrecy', 'No suite offers forward secrecy.');
  }
  if (all.length && !all.some(({ suite }) => suite.aead)) {
    cap('B', 'cipher.no_aead', 'No AEAD suite (GCM, CCM, ChaCha20-Poly1305) is accepted.');
  }
  if (certStrength !== null && certStrength >= 1024 && certStrength < 2048) {
    cap('B', 'kx.key_under_2048_bits', `The certificate key is ${certStrength} bits (RSA-equivalent).`);
  }
  const weakDh = dhBits.filter((b) => b >= 1024 && b < 2048);
  if (weakDh.length) {
    cap('B', 'kx.dh_under_2048_bits', `Finite-field DH groups of ${Math.min(...weakDh)} bits are used.`);
  }

  const capped = caps.reduce<Grade>((worst, g) => (gradeRank(g) > gradeRank(worst) ? g : worst), scoreLetter);

  // Warnings turn an A into A-; they never lower anything else.
  const warnings: GradeReason[] = [];
  if (tls.posture_probed && !has('TLSv1.3')) {
    warnings.push({ rule: 'warn.no_tls13', cap: 'A-', message: 'TLS 1.3 is not supported.' });
  }
  if (all.some(({ suite }) => suite.forward_secrecy) && all.some(({ suite }) => !suite.forward_secrecy)) {
    warnings.push({
      rule: 'warn.partial_forward_secrecy',
      cap: 'A-',
      message: 'Some accepted suites lack forward secrecy.',
    });
  }
  let configuration = capped;
  if (capped === 'A' && warnings.length) {
    configuration = 'A-';
    reasons.push(...warnings);
  } else if (capped === 'A') {
    const maxAge = http?.hsts.max_age ?? null;
    if (maxAge !== null && maxAge >= HSTS_MIN_MAX_AGE) {
      configuration = 'A+';
      reasons.push({
        rule: 'hsts.long',
        cap: null,
        message: `HSTS max-age ${maxAge} s (at least 180 days).`,
      });
    } else if (http === null || http.error !== null) {
      // No answer over HTTP says nothing about HSTS: the note must not claim the header is
      // missing (a TLS port that is not a web server has no HTTP to ask).
      reasons.push({
        rule: 'hsts.unchecked',
        cap: null,
        message:
          http === null
            ? 'A, not A+: A+ needs HSTS, which is sent over HTTPS, and HTTP is not checked on this endpoint.'
            : `A, not A+: A+ needs HSTS, and the HTTPS request that reads it failed (${http.error}).`,
      });
    } else {
      const why = maxAge === null ? 'no HSTS header' : `HSTS max-age ${maxAge} s is under 180 days`;
      reasons.push({ rule: 'hsts.missing_for_a_plus', cap: null, message: `A, not A+: ${why}.` });
    }
  }

  // Certificate checks replace the letter but keep it visible as configuration_grade.
  let grade = configuration;
  const trustReasons: GradeReason[] = [];
  if (!tls.hostname_match) {
    trustReasons.push({
      rule: 'cert.hostname_mismatch',
      cap: 'M',
      message: 'The certificate does not match the hostname.',
    });
    grade = 'M';
  }
  if (!tls.validation.trusted) {
    for (const problem of tls.validation.problems) {
      trustReasons.push({
        rule: `cert.${problem}`,
        cap: 'T',
        message: `Certificate not trusted: ${problem.replace(/_/g, ' ')}${tls.validation.detail ? ` (${tls.validation.detail})` : ''}.`,
      });
    }
    // Hostname mismatch is checked first, so M wins over T when both apply; both reasons are kept.
    if (grade !== 'M') grade = 'T';
  }
  return {
    grade,
    configuration_grade: configuration,
    score: { protocol, key_exchange: keyExchange, cipher, total },
    reasons: [...trustReasons, ...reasons],
  };
}
