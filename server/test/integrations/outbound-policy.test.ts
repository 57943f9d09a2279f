import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { VigiloError } from '../../src/errors.ts';
import { PRIVATE_BLOCKS } from '../../src/integrations/outbound/address-class.ts';
import { refusedChannelDestination } from '../../src/integrations/outbound/channel-destinations.ts';
import { parseCidr, parseIp } from '../../src/integrations/outbound/ip.ts';
import { decideAddress, outboundPolicy } from '../../src/integrations/outbound/policy.ts';
import { policy } from './fixtures.ts';

/** The policy's decisions on addresses, and how VIGILO_OUTBOUND_ALLOW reaches it. */

const refusedAs = (allow: string[], address: string) => {
  const decision = decideAddress(policy(allow), address);
  return decision.allowed ? 'allowed' : decision.addressClass;
};

describe('outbound policy decisions', () => {
  it('refuses loopback, link-local, metadata, unspecified and multicast with an empty allow-list', () => {
    expect(refusedAs([], '127.0.0.1')).toBe('loopback');
    expect(refusedAs([], '127.8.9.10')).toBe('loopback');
    expect(refusedAs([], '::1')).toBe('loopback');
    expect(refusedAs([], '169.254.1.1')).toBe('link-local');
    expect(refusedAs([], 'fe80::1%eth0')).toBe('link-local');
    expect(refusedAs([], '169.254.169.254')).toBe('metadata');
    expect(refusedAs([], 'fd00:ec2::254')).toBe('metadata');
    expect(refusedAs([], '100.100.100.200')).toBe('metadata');
    expect(refusedAs([], '0.0.0.0')).toBe('unspecified');
    expect(refusedAs([], '::')).toBe('unspecified');
    expect(refusedAs([], '224.0.0.1')).toBe('multicast');
    expect(refusedAs([], 'ff02::1')).toBe('multicast');
    expect(refusedAs([], '255.255.255.255')).toBe('reserved');
    expect(refusedAs([], '93.184.215.14')).toBe('allowed');
    expect(refusedAs([], '2606:4700::6810:84e5')).toBe('allowed');
  });

  it('judges IPv6 forms that carry an IPv4 address as that IPv4 address', () => {
    expect(refusedAs([], '::ffff:127.0.0.1')).toBe('loopback');
    expect(refusedAs([], '::ffff:7f00:1')).toBe('loopback');
    expect(refusedAs([], '[::ffff:169.254.169.254]')).toBe('metadata');
    expect(refusedAs([], '64:ff9b::a9fe:a9fe')).toBe('metadata'); // NAT64 of 169.254.169.254
    expect(refusedAs([], '2002:7f00:1::1')).toBe('loopback'); // 6to4 of 127.0.0.1
    expect(refusedAs([], '::ffff:10.1.2.3')).toBe('private');
    expect(refusedAs(['10.0.0.0/8'], '::ffff:10.1.2.3')).toBe('allowed');
    expect(refusedAs([], '::ffff:93.184.215.14')).toBe('allowed');
  });

  it('allows private ranges only when the allow-list holds the address', () => {
    for (const address of ['10.1.2.3', '172.16.5.4', '192.168.1.10', '100.64.0.1', 'fd12:3456::1']) {
      expect(refusedAs([], address)).toBe('private');
    }
    expect(refusedAs(['10.0.0.0/8'], '10.1.2.3')).toBe('allowed');
    expect(refusedAs(['10.0.0.0/8'], '192.168.1.10')).toBe('private');
    expect(refusedAs(['192.168.1.0/24'], '192.168.2.1')).toBe('private');
    expect(refusedAs(['fd00::/8'], 'fd12:3456::1')).toBe('allowed');
  });

  it('never opens metadata or link-local, even with 0.0.0.0/0 and ::/0', () => {
    const everything = ['0.0.0.0/0', '::/0'];
    expect(refusedAs(everything, '169.254.169.254')).toBe('metadata');
    expect(refusedAs(everything, '169.254.10.10')).toBe('link-local');
    expect(refusedAs(everything, 'fd00:ec2::254')).toBe('metadata');
    expect(refusedAs(['169.254.169.254/32'], '169.254.169.254')).toBe('metadata');
    expect(refusedAs(everything, '0.0.0.0')).toBe('unspecified');
    // A broad entry does not open loopback either: only an entry inside loopback does.
    expect(refusedAs(everything, '127.0.0.1')).toBe('loopback');
    expect(refusedAs(everything, '10.9.8.7')).toBe('allowed');
    expect(refusedAs(['127.0.0.1/32'], '127.0.0.1')).toBe('allowed');
    expect(refusedAs(['127.0.0.1/32'], '127.0.0.2')).toBe('loopback');
    expect(refusedAs(['127.0.0.1/32'], '::ffff:127.0.0.1')).toBe('allowed');
    expect(refusedAs(['127.0.0.1/32'], '::1')).toBe('loopback');
  });

  it('parses addresses and blocks in their usual forms', () => {
    expect(parseIp('::ffff:1.2.3.4')).toEqual({ family: 6, value: 0xffff_0102_0304n });
    expect(parseIp('example.com')).toBeUndefined();
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ family: 4, network: 0x0a00_0000n, prefix: 8 });
    expect(parseCidr('fd00::/8')).toMatchObject({ family: 6, prefix: 8 });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0/8')).toBeUndefined();
    expect(parseCidr('intranet/8')).toBeUndefined();
  });
});

describe('VIGILO_OUTBOUND_ALLOW', () => {
  it('is a list of CIDR blocks, or none', () => {
    const config = loadConfig(
      { DATABASE_URL: 'postgres://db/x', VIGILO_OUTBOUND_ALLOW: '10.0.0.0/8, fd00::/8' },
      '/',
    );
    expect(config.outboundAllow.map((b) => b.text)).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(loadConfig({ VIGILO_OUTBOUND_ALLOW: 'none' }, '/').outboundAllow).toEqual([]);
  });

  it('refuses to start on a bad CIDR block, naming it', () => {
    let error: unknown;
    try {
      loadConfig({ VIGILO_OUTBOUND_ALLOW: '10.0.0.0/8,192.168.1.0/33,intranet' }, '/');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(VigiloError);
    expect((error as VigiloError).message).toMatch(
      /VIGILO_OUTBOUND_ALLOW must be none or comma-separated CIDR blocks .*not a CIDR block: 192\.168\.1\.0\/33, intranet/,
    );
  });

  it('defaults to the private ranges in single-machine mode and to nothing with an external database', () => {
    expect(loadConfig({}, '/').outboundAllow).toEqual(PRIVATE_BLOCKS);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }, '/').outboundAllow).toEqual([]);
  });

  it('cannot open the metadata address with 0.0.0.0/0 (what the API checks at configuration time)', async () => {
    const config = loadConfig({ VIGILO_OUTBOUND_ALLOW: '0.0.0.0/0,::/0' }, '/');
    const fromConfig = outboundPolicy({ allow: config.outboundAllow });
    expect(
      await refusedChannelDestination(fromConfig, 'webhook', {
        url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
        secret: 'whsec_x',
      }),
    ).toEqual({
      field: 'url',
      message: 'destination refused by outbound policy: 169.254.169.254 is a cloud metadata address',
    });
    expect(
      await refusedChannelDestination(fromConfig, 'webhook', {
        url: 'http://10.0.0.8/hook',
        secret: 'whsec_x',
      }),
    ).toBeUndefined();
  });
});
