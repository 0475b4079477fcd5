import { isIPv4, isIPv6 } from 'node:net';

/** Expands `::` and a trailing dotted quad, so every one of the eight groups is present. */
function ipv6Groups(text: string): number[] | undefined {
  let address = text;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    if (!isIPv4(dotted[2]!)) return undefined;
    const [a, b, c, d] = dotted[2]!.split('.').map(Number) as [number, number, number, number];
    address = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail, extra] = address.split('::');
  if (extra !== undefined) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...Array<number>(missing).fill(0), ...right];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * The subject a per-address limit counts. IPv4 is one address; an IPv6 client usually holds a
 * whole /64 (one household or one VM), so limits count the prefix, or an attacker could rotate
 * through 2^64 addresses. IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is the IPv4 address.
 */
export function clientAddressKey(address: string | undefined, ipv6PrefixBits: number): string {
  if (!address) return 'unknown';
  // A zone id (`%eth0`) names the local interface, not the client.
  const bare = address.split('%')[0]!.toLowerCase();
  if (isIPv4(bare) || !isIPv6(bare)) return bare;
  const groups = ipv6Groups(bare);
  if (!groups) return bare;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  let bits = ipv6PrefixBits;
  const kept = groups.map((group) => {
    const take = Math.max(0, Math.min(16, bits));
    bits -= take;
    return take === 0 ? 0 : group & (0xffff << (16 - take)) & 0xffff;
  });
  return `${kept.map((g) => g.toString(16)).join(':')}/${ipv6PrefixBits}`;
}
