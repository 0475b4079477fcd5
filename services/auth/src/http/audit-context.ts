import { AsyncLocalStorage } from 'node:async_hooks';
import { isIPv4, isIPv6 } from 'node:net';
import type { RequestHandler } from 'express';
import { clientAddressKey } from './client-address';
import { requestIdOf, userAgentOf } from './request-facts';

/** What an audit record says of the request that caused it. */
export interface AuditRequestFacts {
  readonly clientPrefix: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
}

/** Enough of an address to tell networks apart; the full address would name a household. */
const IPV4_PREFIX_BITS = 24;
const IPV6_PREFIX_BITS = 48;

/** 6to4 (RFC 3056): `2002:AABB:CCDD::/48` carries the IPv4 address A.B.C.D of the site. */
const SIX_TO_FOUR = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/;

const ipv4Prefix = (address: string) => `${address.split('.').slice(0, 3).join('.')}.0/${IPV4_PREFIX_BITS}`;

/**
 * The client's network: IPv4 as its /24, IPv6 as its /48, and an IPv6 address that embeds an
 * IPv4 one (IPv4-mapped `::ffff:a.b.c.d`, 6to4 `2002::/16`) as that IPv4's /24, since its /48
 * would keep the whole IPv4 address. Null for anything that is no IP address: `req.ip` is a
 * client-chosen X-Forwarded-For entry behind a proxy, and a value the cidr column refuses would
 * fail the whole batch it is written in.
 */
export function auditAddressPrefix(address: string | undefined): string | null {
  const bare = address?.split('%')[0]!.toLowerCase();
  if (!bare || !(isIPv4(bare) || isIPv6(bare))) return null;
  const key = clientAddressKey(bare, IPV6_PREFIX_BITS);
  if (isIPv4(key)) return ipv4Prefix(key);
  const sixToFour = SIX_TO_FOUR.exec(key);
  if (sixToFour) {
    const [high, low] = [parseInt(sixToFour[1]!, 16), parseInt(sixToFour[2]!, 16)];
    return ipv4Prefix([high >> 8, high & 0xff, low >> 8, low & 0xff].join('.'));
  }
  const suffix = `/${IPV6_PREFIX_BITS}`;
  return key.endsWith(suffix) && isIPv6(key.slice(0, -suffix.length)) ? key : null;
}

const NO_REQUEST: AuditRequestFacts = { clientPrefix: null, userAgent: null, requestId: null };

/**
 * Carries the request's facts to the audit trail through async context, so use cases record
 * what happened without taking HTTP details as parameters.
 */
export function createAuditContext(): { readonly middleware: RequestHandler; current(): AuditRequestFacts } {
  const storage = new AsyncLocalStorage<AuditRequestFacts>();
  return {
    middleware: (req, _res, next) => {
      const facts = { clientPrefix: auditAddressPrefix(req.ip), userAgent: userAgentOf(req), requestId: requestIdOf(req) ?? null };
      storage.run(facts, next);
    },
    current: () => storage.getStore() ?? NO_REQUEST,
  };
}
