/** One parsed `Set-Cookie` header: its value and attributes (names lower-cased). */
export interface SetCookie {
  readonly name: string;
  readonly value: string;
  readonly attributes: Readonly<Record<string, string | true>>;
}

export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...rest] = header.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const attribute of rest) {
    const at = attribute.indexOf('=');
    if (at === -1) attributes[attribute.toLowerCase()] = true;
    else attributes[attribute.slice(0, at).toLowerCase()] = attribute.slice(at + 1);
  }
  return { name: pair.slice(0, eq), value: decodeURIComponent(pair.slice(eq + 1)), attributes };
}

/** All cookies a response sets, by name. */
export function setCookies(response: Response): Record<string, SetCookie> {
  return Object.fromEntries(
    response.headers
      .getSetCookie()
      .map((h) => parseSetCookie(h))
      .map((c) => [c.name, c]),
  );
}
