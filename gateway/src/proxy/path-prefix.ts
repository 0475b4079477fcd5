/**
 * The path as upstream routers will understand it: Express matches case-insensitively, so the
 * gateway's policy must too, and percent-encoding must not sneak a path past a prefix check.
 */
export function policyPath(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Undecodable paths are compared raw; upstreams cannot route them to a handler either.
  }
  return decoded.toLowerCase();
}

/** True for `prefix` itself and anything below it, never for `/api/users` under `/api/user`. */
export function underPrefix(path: string, prefix: string): boolean {
  const p = policyPath(path);
  return p === prefix || p.startsWith(`${prefix}/`);
}

export function underAnyPrefix(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => underPrefix(path, prefix));
}

/** Dot segments, backslashes and doubled slashes mean different paths to different parsers. */
export function isAmbiguousPath(path: string): boolean {
  const p = policyPath(path);
  return /(^|\/)\.{1,2}(\/|$)/.test(p) || p.includes('\\') || p.includes('//');
}
