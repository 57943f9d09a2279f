/**
 * Chain validation in JavaScript against our own trust store, so the scanner can say exactly
 * what is wrong (and everything that is wrong), and can tell "the server did not send the
 * intermediate" from "nobody knows this issuer" — OpenSSL's single verify error cannot.
 *
 * The TLS handshake runs with an empty OpenSSL store, which keeps the chain from getPeerCertificate
 * exactly as the server sent it and skips OpenSSL's own (discarded) verification work.
 */
import { isIP } from 'node:net';
import { ChainProblem, type ChainValidation } from '@vigilo/shared/snapshot';
import { parseCertificate, safeVerify, type ParsedCertificate } from './certificate.ts';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const MAX_LEARNED = 5000;
const MAX_DEPTH = 10;

/** Splits a PEM bundle into DER certificates; text outside the blocks is ignored. */
export function pemToDer(pem: string): Buffer[] {
  return (pem.match(PEM_BLOCK) ?? []).map((block) =>
    Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''), 'base64'),
  );
}

/** Trust anchors (self-signed roots) and known intermediates, indexed by subject. */
export class TrustStore {
  private readonly anchors = new Map<string, ParsedCertificate[]>();
  private readonly anchorFingerprints = new Set<string>();
  private readonly intermediates = new Map<string, ParsedCertificate[]>();
  private learned = 0;

  /** Builds a store from PEM bundles (e.g. tls.rootCertificates plus an internal CA file). */
  static fromPem(bundles: readonly string[]): TrustStore {
    const store = new TrustStore();
    for (const bundle of bundles) for (const der of pemToDer(bundle)) store.add(parseCertificate(der));
    return store;
  }

  /**
   * Adds a certificate: self-signed ones become anchors; others are intermediates we may use to
   * complete a path (a path that needs them was not sent complete and is reported as such).
   */
  add(cert: ParsedCertificate): void {
    if (cert.info.self_signed) {
      if (this.anchorFingerprints.has(cert.info.fingerprint_sha256)) return;
      this.anchorFingerprints.add(cert.info.fingerprint_sha256);
      push(this.anchors, cert.x509.subject, cert);
    } else {
      push(this.intermediates, cert.x509.subject, cert);
    }
  }

  get size(): number {
    return this.anchorFingerprints.size;
  }

  isAnchor(cert: ParsedCertificate): boolean {
    return this.anchorFingerprints.has(cert.info.fingerprint_sha256);
  }

  findAnchor(child: ParsedCertificate): ParsedCertificate | null {
    return findIssuer(child, this.anchors.get(child.x509.issuer) ?? []);
  }

  findIntermediate(child: ParsedCertificate): ParsedCertificate | null {
    return findIssuer(child, this.intermediates.get(child.x509.issuer) ?? []);
  }

  /** Remembers an intermediate seen in a verified path, like browsers' intermediate caches. */
  learn(cert: ParsedCertificate): void {
    if (this.learned >= MAX_LEARNED || cert.info.self_signed) return;
    const known = this.intermediates.get(cert.x509.subject) ?? [];
    if (known.some((k) => k.info.fingerprint_sha256 === cert.info.fingerprint_sha256)) return;
    this.learned++;
    push(this.intermediates, cert.x509.subject, cert);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Verified issuer links, so one intermediate is verified once, not once per host. */
const verifiedLinks = new Set<string>();

function issues(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  if (child.x509.issuer !== issuer.x509.subject) return false;
  const link = `${child.info.fingerprint_sha256}>${issuer.info.fingerprint_sha256}`;
  if (verifiedLinks.has(link)) return true;
  const good = child.x509.checkIssued(issuer.x509) && safeVerify(child.x509, issuer.x509);
  if (good) {
    if (verifiedLinks.size > 20_000) verifiedLinks.clear();
    verifiedLinks.add(link);
  }
  return good;
}

function findIssuer(
  child: ParsedCertificate,
  candidates: readonly ParsedCertificate[],
): ParsedCertificate | null {
  return candidates.find((c) => issues(child, c)) ?? null;
}

const WEAK_HASHES = new Set(['MD2', 'MD5', 'SHA-1']);

/**
 * Validates the chain as sent (leaf first) at time `now`. Collects every problem, ordered as
 * ChainProblem lists them; trusted exactly when there is none.
 */
export function validateChain(
  sent: readonly ParsedCertificate[],
  store: TrustStore,
  now: Date,
): ChainValidation {
  const problems = new Set<ChainProblem>();
  const details: string[] = [];
  const leaf = sent[0];
  if (!leaf) {
    return {
      trusted: false,
      reason: 'no_certificate',
      problems: ['no_certificate'],
      detail: null,
      path: [],
      anchor: null,
    };
  }
  const path: ParsedCertificate[] = [leaf];
  const fromStore = new Set<ParsedCertificate>();
  let anchor: ParsedCertificate | null = null;
  let current = leaf;
  while (path.length <= MAX_DEPTH) {
    if (current.info.self_signed) {
      if (store.isAnchor(current)) anchor = current;
      else problems.add(current === leaf ? 'self_signed' : 'untrusted_root');
      break;
    }
    const sentIssuer = findIssuer(
      current,
      sent.filter((c) => !path.includes(c)),
    );
    if (sentIssuer) {
      path.push(sentIssuer);
      current = sentIssuer;
      continue;
    }
    const root = store.findAnchor(current);
    if (root) {
      path.push(root);
      fromStore.add(root);
      anchor = root;
      break;
    }
    const intermediate = store.findIntermediate(current);
    if (intermediate && !path.includes(intermediate)) {
      problems.add('incomplete_chain');
      details.push(`issuer "${intermediate.info.subject}" was not sent by the server`);
      path.push(intermediate);
      fromStore.add(intermediate);
      current = intermediate;
      continue;
    }
    const namesake = sent.some((c) => c !== current && c.x509.subject === current.x509.issuer);
    problems.add(namesake ? 'bad_signature' : 'unknown_issuer');
    details.push(
      `issuer "${current.info.issuer}" ${namesake ? 'did not sign' : 'is unknown for'} "${current.info.subject}"`,
    );
    break;
  }

  path.forEach((cert, i) => {
    if (now < new Date(cert.info.not_before)) {
      problems.add('not_yet_valid');
      details.push(`"${cert.info.subject}" is valid from ${cert.info.not_before}`);
    }
    if (now > new Date(cert.info.not_after)) {
      problems.add('expired');
      details.push(`"${cert.info.subject}" expired ${cert.info.not_after}`);
    }
    // A root's self-signature is never checked by clients, so its hash does not matter.
    if (cert !== anchor && !cert.info.self_signed && WEAK_HASHES.has(cert.info.signature.hash)) {
      problems.add('weak_signature');
      details.push(`"${cert.info.subject}" is signed with ${cert.info.signature.algorithm}`);
    }
    if (i > 0 && !cert.x509.ca) {
      problems.add('not_ca');
      details.push(`"${cert.info.subject}" issues certificates but is not a CA`);
    }
  });

  const ordered = ChainProblem.options.filter((p) => problems.has(p));
  if (ordered.length === 0) {
    for (const cert of path.slice(1)) if (!fromStore.has(cert)) store.learn(cert);
  }
  return {
    trusted: ordered.length === 0,
    reason: ordered[0] ?? null,
    problems: ordered,
    detail: details.length ? details.join('; ') : null,
    path: path.map((c) => c.info.fingerprint_sha256),
    anchor: anchor?.info.fingerprint_sha256 ?? null,
  };
}

/** Whether the leaf is valid for `hostname` (DNS name or IP literal), per RFC 6125 via OpenSSL. */
export function hostnameMatches(leaf: ParsedCertificate | undefined, hostname: string): boolean {
  if (!leaf) return false;
  const name = hostname.replace(/^\[|\]$/g, '');
  return isIP(name) ? leaf.x509.checkIP(name) !== undefined : leaf.x509.checkHost(name) !== undefined;
}
