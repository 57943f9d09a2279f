/**
 * The trust store the agent validates against: Node's bundled Mozilla roots, the operating
 * system's bundle when there is one (internal roots installed by IT land there), and any
 * internal CA files given with --ca.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { pemToDer, TrustStore } from '../scan/trust.ts';

/** Where Debian/Ubuntu, RHEL/Fedora and Alpine keep the system bundle. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
];

export class CaFileError extends Error {
  override readonly name = 'CaFileError';
}

/** Builds the store; throws CaFileError naming a --ca file that is missing or holds no certificate. */
export function loadTrustStore(caFiles: readonly string[], useSystem = true): TrustStore {
  const bundles: string[] = [...rootCertificates];
  if (useSystem) {
    const system = SYSTEM_BUNDLES.find((p) => existsSync(p));
    if (system) bundles.push(readFileSync(system, 'utf8'));
  }
  for (const file of caFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CaFileError(`--ca ${file}: ${(err as Error).message}`);
    }
    if (pemToDer(text).length === 0) throw new CaFileError(`--ca ${file}: no PEM certificate in the file`);
    bundles.push(text);
  }
  return TrustStore.fromPem(bundles);
}
