import { clientAddressKey } from './client-address';

describe('client address key', () => {
  it('when the address is IPv4, then it is counted alone', () => {
    expect(clientAddressKey('203.0.113.9', 64)).toBe('203.0.113.9');
  });

  it('when the address is IPv4-mapped IPv6, then it counts as the IPv4 address', () => {
    expect(clientAddressKey('::ffff:203.0.113.9', 64)).toBe('203.0.113.9');
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
