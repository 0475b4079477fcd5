import { auditAddressPrefix } from './audit-context';

describe('auditAddressPrefix', () => {
  it.each([
    ['an IPv4 address', '203.0.113.77', '203.0.113.0/24'],
    ['an IPv6 address', '2001:db8:abcd:12::1', '2001:db8:abcd:0:0:0:0:0/48'],
    ['an IPv6 address with a zone id', 'fe80::1%eth0', 'fe80:0:0:0:0:0:0:0/48'],
    ['an IPv4-mapped IPv6 address', '::ffff:198.51.100.9', '198.51.100.0/24'],
    ['a 6to4 address, whose /48 would be the whole embedded IPv4', '2002:c633:6409::1', '198.51.100.0/24'],
  ])('when the client has %s, then only its network is kept', (_case, address, prefix) => {
    expect(auditAddressPrefix(address)).toBe(prefix);
  });

  it.each([
    ['a forwarded value that ends like a prefix', 'evil/48'],
    ['an IPv4 address with an IPv6 prefix length', '1.2.3.4/48'],
    ['an IPv6 prefix instead of an address', '2001:db8::/48'],
    ['a host name', 'proxy.internal'],
    ['an empty value', ''],
    ['no address at all', undefined],
  ])('when req.ip is %s, then there is no prefix (the cidr column would refuse it)', (_case, address) => {
    expect(auditAddressPrefix(address)).toBeNull();
  });
});
