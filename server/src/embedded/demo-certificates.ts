// The demo's throw-away PKI: a demo CA and one leaf per demo endpoint, made in memory at every
// start (WebCrypto keys, @peculiar/x509 certificates). Only the CA's certificate is written to
// disk (for the local agent to trust); no private key outlives the process.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

const DAY = 86_400_000;

type SignAlg = webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;

/** A certificate with its key, in the PEM forms `tls.createServer` takes. */
export type DemoCertificate = { certPem: string; keyPem: string };

type Issuer = { cert: x509.X509Certificate; privateKey: webcrypto.CryptoKey; signAlg: SignAlg };

export type DemoCa = DemoCertificate & { issuer: Issuer };

export type LeafSpec = {
  commonName: string;
  dnsNames: readonly string[];
  ips: readonly string[];
  notAfter: Date;
  /** RSA for an endpoint offering only static-RSA suites (they need an RSA key); EC otherwise. */
  key: 'ec' | 'rsa';
};

/** A CA valid for a year from `now`, named so nobody mistakes it for a real one. */
export async function createDemoCa(now: Date): Promise<DemoCa> {
  const keys = await generateKeys('ec');
  const name = 'CN=Vigilo demo CA (not for real use), O=Vigilo demo';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: name,
    issuer: name,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 365 * DAY),
    signingAlgorithm: keys.signAlg,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: pem(cert),
    keyPem: await privateKeyPem(keys.privateKey),
    issuer: { cert, privateKey: keys.privateKey, signAlg: keys.signAlg },
  };
}

/** A server certificate issued by the demo CA, valid from a day before `now`. */
export async function issueDemoLeaf(ca: DemoCa, spec: LeafSpec, now: Date): Promise<DemoCertificate> {
  const keys = await generateKeys(spec.key);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${spec.commonName}, O=Vigilo demo`,
    issuer: ca.issuer.cert.subject,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: spec.notAfter,
    signingAlgorithm: ca.issuer.signAlg,
    publicKey: keys.publicKey,
    signingKey: ca.issuer.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...spec.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...spec.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.issuer.cert),
    ],
  });
  return { certPem: pem(cert), keyPem: await privateKeyPem(keys.privateKey) };
}

async function generateKeys(kind: 'ec' | 'rsa'): Promise<webcrypto.CryptoKeyPair & { signAlg: SignAlg }> {
  if (kind === 'ec') {
    const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    return { ...pair, signAlg: { name: 'ECDSA', hash: 'SHA-256' } };
  }
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
  const pair = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  return { ...pair, signAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } };
}

function pem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem').trim()}\n`;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** Random positive serials: certificates re-issued at each start never repeat one. */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(12));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
