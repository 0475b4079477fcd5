import { AsyncLocalStorage } from 'node:async_hooks';
import { isIPv4 } from 'node:net';
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

/** The client's network: IPv4 as its /24, IPv6 as its /48 (IPv4-mapped IPv6 as IPv4); null when unknown. */
export function auditAddressPrefix(address: string | undefined): string | null {
  const key = clientAddressKey(address, IPV6_PREFIX_BITS);
  if (isIPv4(key)) return `${key.split('.').slice(0, 3).join('.')}.0/${IPV4_PREFIX_BITS}`;
  return key.endsWith(`/${IPV6_PREFIX_BITS}`) ? key : null;
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
