/**
 * The path as upstream routers will understand it: Express matches case-insensitively, so the
 * gateway's policy must too, and percent-encoding must not sneak a path past a prefix check.
 */
export function policyPath(path: string): string {
  // Most paths carry no escape: skip the decoder (and its exception) for them.
  if (!path.includes('%')) return path.toLowerCase();
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Undecodable paths are compared raw; upstreams cannot route them to a handler either.
  }
  return decoded.toLowerCase();
}

/**
 * The path of a request target, as Express's `req.path` has it: up to the query or fragment.
 */
export function pathOfTarget(target: string): string {
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 0x3f || c === 0x23) return target.slice(0, i);
  }
  return target;
}

/** True for `prefix` itself and anything below it; `policy` is already a `policyPath`. */
export function policyUnder(policy: string, prefix: string): boolean {
  return policy.startsWith(prefix) && (policy.length === prefix.length || policy.charCodeAt(prefix.length) === 0x2f);
}

/** The first of `prefixes` that `policy` (already a `policyPath`) lies below, if any. */
export function policyPrefix(policy: string, prefixes: readonly string[]): string | undefined {
  for (const prefix of prefixes) if (policyUnder(policy, prefix)) return prefix;
  return undefined;
}

/** True for `prefix` itself and anything below it, never for `/api/users` under `/api/user`. */
export function underPrefix(path: string, prefix: string): boolean {
  return policyUnder(policyPath(path), prefix);
}

export function underAnyPrefix(path: string, prefixes: readonly string[]): boolean {
  const policy = policyPath(path);
  return prefixes.some((prefix) => policyUnder(policy, prefix));
}

/** Dot segments, backslashes and doubled slashes mean different paths to different parsers. */
export function isAmbiguousPolicyPath(policy: string): boolean {
  // Most paths hold no dot at all: skip the pattern for them.
  return (policy.includes('.') && /(^|\/)\.{1,2}(\/|$)/.test(policy)) || policy.includes('\\') || policy.includes('//');
}

export function isAmbiguousPath(path: string): boolean {
  return isAmbiguousPolicyPath(policyPath(path));
}
