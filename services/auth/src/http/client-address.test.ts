import { clientAddressKey } from './client-address';

describe('client address key', () => {
  it('when the address is IPv4, then it is counted alone', () => {
    expect(clientAddressKey('203.0.113.9', 64)).toBe('203.0.113.9');
  });

  it('when the address is IPv4-mapped IPv6 in any spelling, then it counts as the IPv4 address', () => {
    for (const spelling of ['::ffff:203.0.113.9', '::FFFF:203.0.113.9', '0:0:0:0:0:ffff:203.0.113.9', '::ffff:cb00:7109']) {
      expect(clientAddressKey(spelling, 64)).toBe('203.0.113.9');
    }
  });

  it('when IPv6 embeds a dotted quad that is not a mapping, then the groups it spells are grouped like any others', () => {
    expect(clientAddressKey('64:ff9b::203.0.113.9', 96)).toBe('64:ff9b:0:0:0:0:0:0/96');
    expect(clientAddressKey('::1.2.3.4', 64)).toBe('0:0:0:0:0:0:0:0/64');
    expect(clientAddressKey('::1.2.3.4', 128)).toBe('0:0:0:0:0:0:102:304/128');
  });

  it('when the address carries a zone id or upper case, then the same client gets the same key', () => {
    expect(clientAddressKey('FE80::1%eth0', 64)).toBe(clientAddressKey('fe80::2', 64));
  });

  it('when two IPv6 addresses share a /64, then they are one subject', () => {
    const a = clientAddressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64);
    const b = clientAddressKey('2001:db8:1:2::1', 64);
    expect(a).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(b).toBe(a);
    expect(clientAddressKey('2001:db8:1:3::1', 64)).not.toBe(a);
  });

  it('when the prefix is configured, then the grouping follows it', () => {
    expect(clientAddressKey('2001:db8:1:2:3:4:5:6', 48)).toBe('2001:db8:1:0:0:0:0:0/48');
    expect(clientAddressKey('2001:db8:1:2:3:4:5:6', 56)).toBe('2001:db8:1:0:0:0:0:0/56');
    expect(clientAddressKey('2001:db8:1:2ff:3:4:5:6', 56)).toBe('2001:db8:1:200:0:0:0:0/56');
    expect(clientAddressKey('2001:db8::1', 128)).toBe('2001:db8:0:0:0:0:0:1/128');
  });

  it('when the address is missing, then it is one shared unknown subject', () => {
    expect(clientAddressKey(undefined, 64)).toBe('unknown');
  });
});
