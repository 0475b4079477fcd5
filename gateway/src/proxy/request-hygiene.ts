import type { IncomingMessage } from 'node:http';

const IDENTITY_HEADERS = new Set(['x-user-id', 'x-user-roles', 'x-user-email']);
const X = 0x78;
const CASE_BIT = 0x20;

function isIdentityHeader(name: string): boolean {
  // Every identity header starts with x: most headers are passed over without lower-casing.
  if ((name.charCodeAt(0) | CASE_BIT) !== X) return false;
  const lower = name.toLowerCase();
  return IDENTITY_HEADERS.has(lower) || lower.startsWith('x-gatehouse-');
}

/**
 * Clients must never be able to claim an identity with a header: upstreams that trusted such a
 * header would be one gateway bug away from impersonation. Both views of the headers are
 * cleaned, the parsed object and the raw list, whichever an upstream client copies.
 */
export function stripIdentityHeaders(req: IncomingMessage): void {
  const raw = req.rawHeaders;
  let found = false;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (isIdentityHeader(raw[i]!)) {
      raw.splice(i, 2);
      found = true;
    }
  }
  if (!found) return;
  for (const name of Object.keys(req.headers)) {
    if (isIdentityHeader(name)) delete req.headers[name];
  }
}

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip'];

/**
 * With no trusted proxy in front, any forwarding header came from the client; upstreams that
 * trust one hop (us) would otherwise take a spoofed address or host as real.
 */
export function dropForwardingHeaders(req: IncomingMessage): void {
  const headers = req.headers;
  for (const name of FORWARDING_HEADERS) if (headers[name] !== undefined) delete headers[name];
}
