import { describe, expect, it } from 'vitest';
import { classifyCipherSuite, rsaEquivalentBits } from '../src/cipher-suites.ts';

describe('classifyCipherSuite', () => {
  it.each([
    ['TLS_AES_128_GCM_SHA256', { key_exchange: 'TLS13', bits: 128, aead: true, forward_secrecy: true }],
    ['TLS_CHACHA20_POLY1305_SHA256', { key_exchange: 'TLS13', bits: 256, aead: true }],
    ['ECDHE-RSA-AES128-GCM-SHA256', { key_exchange: 'ECDHE', bits: 128, aead: true, forward_secrecy: true }],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', { key_exchange: 'ECDHE', bits: 256, aead: true }],
    ['DHE-RSA-AES256-SHA256', { key_exchange: 'DHE', bits: 256, aead: false, forward_secrecy: true }],
    ['EDH-RSA-DES-CBC3-SHA', { key_exchange: 'DHE', bits: 112, encryption: '3DES-CBC' }],
    ['AES128-SHA', { key_exchange: 'RSA', bits: 128, aead: false, forward_secrecy: false }],
    ['DES-CBC3-SHA', { key_exchange: 'RSA', bits: 112, encryption: '3DES-CBC' }],
    ['DES-CBC-SHA', { bits: 56, encryption: 'DES-CBC' }],
    ['RC4-SHA', { bits: 128, encryption: 'RC4' }],
    ['EXP-RC4-MD5', { bits: 40, export: true }],
    ['NULL-SHA256', { bits: 0, encryption: 'NULL' }],
    ['ADH-AES256-GCM-SHA384', { anonymous: true, key_exchange: 'DHE' }],
    ['AECDH-AES128-SHA', { anonymous: true, key_exchange: 'ECDHE' }],
    ['ECDH-RSA-AES128-SHA', { key_exchange: 'ECDH', forward_secrecy: false }],
    ['CAMELLIA256-SHA', { bits: 256, encryption: 'CAMELLIA-256-CBC' }],
    ['ARIA128-GCM-SHA256', { bits: 128, aead: true }],
    ['PSK-AES128-CBC-SHA', { key_exchange: 'PSK' }],
    ['tls_aes_256_gcm_sha384', { name: 'TLS_AES_256_GCM_SHA384', bits: 256 }],
  ])('%s', (name, expected) => {
    expect(classifyCipherSuite(name)).toMatchObject(expected);
  });

  it('classifies an unknown name as weak, not strong', () => {
    expect(classifyCipherSuite('GOST2012-KUZNYECHIK')).toMatchObject({ bits: 0, key_exchange: 'unknown' });
  });
});

describe('rsaEquivalentBits', () => {
  it.each([
    ['RSA', 2048, null, 2048],
    ['DH', 1024, null, 1024],
    ['EC', 253, 'X25519', 3072],
    ['EC', 256, 'prime256v1', 3072],
    ['EC', 384, 'secp384r1', 7680],
    ['EC', 521, 'secp521r1', 15360],
    ['EC', 224, 'secp224r1', 2048],
    ['EC', 163, 'sect163k1', 1024],
  ] as const)('%s %d %s -> %d', (kind, bits, group, expected) => {
    expect(rsaEquivalentBits(kind, bits, group)).toBe(expected);
  });
});
