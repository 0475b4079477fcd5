/** How untrusted words (names, user agents) appear in an email: one line, no links, no markup. */
import { escapeHtml } from '@gatehouse/html';

/** Control characters and line breaks of any kind: the name stays on its greeting line. */
const CONTROLS_AND_BREAKS = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;
/**
 * What a mail client would turn into a link: a scheme (`http://`), a `www.` host, a dotted
 * host ending in a TLD (`evil.example/login`, `bob@evil.example`), or an IPv4 address. Checked
 * after NFKC, so full-width look-alikes (`ｗｗｗ．`) count too.
 */
const URL_LIKE = [
  /[a-z][a-z0-9+.-]*:\/\//iu,
  /www[.\u3002]/iu,
  /[\p{L}\p{N}-][.\u3002]\p{L}{2,}(?![\p{L}\p{N}-])/u,
  /\d{1,3}(?:\.\d{1,3}){3}/u,
  // A punycode label (`evil.xn--p1ai`): the TLD rule above wants letters only.
  /[.\u3002]xn--/iu,
];

function looksLikeUrl(word: string): boolean {
  // Invisible format characters (zero-width space, joiners) and combining marks (`evil̸.com`)
  // would otherwise split a domain.
  const comparable = word.normalize('NFKC').replace(/[\p{Cf}\p{M}]/gu, '');
  return URL_LIKE.some((pattern) => pattern.test(comparable));
}

/**
 * The user-chosen name as the email shows it: on one line, with every URL-like word dropped,
 * so a name cannot add lines or a fake link to the message. Null when nothing is left.
 */
export function displayName(name: string | null): string | null {
  if (!name) return null;
  const words = name
    .replace(CONTROLS_AND_BREAKS, ' ')
    .split(/\s+/u)
    .filter((word) => word.length > 0 && !looksLikeUrl(word));
  return words.length > 0 ? words.join(' ') : null;
}

/** The first line of every email, before HTML escaping. */
export function greeting(name: string | null): string {
  const shown = displayName(name);
  return shown ? `Hello ${shown},` : 'Hello,';
}

/** Enough to tell one browser or device from another; longer user agents are padding or an attack. */
const USER_AGENT_MAX_CHARS = 120;
/** Besides controls and breaks, format characters: bidi overrides could reorder what the reader sees. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu;
/** `Chrome/120.0.0.0`: a version that reads like an IPv4 address, but after a dotless product name no client links it. */
const PRODUCT_TOKEN = /^\(?[A-Za-z][\w-]*\/\d+(?:\.\d+)*[;,)]*$/u;

/**
 * The user agent of the request behind a notice, as the email shows it. It is chosen by whoever
 * sent the request (perhaps the attacker the notice warns about): kept on one line, cut to
 * {@link USER_AGENT_MAX_CHARS}, and URL-like words are dropped after the cut, so that a cut
 * cannot leave a link behind. Null when unknown or when nothing is left.
 */
export function userAgentText(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const flat = userAgent.replace(INVISIBLE, ' ').replace(/\s+/gu, ' ').trim();
  const chars = [...flat];
  const cut =
    chars.length > USER_AGENT_MAX_CHARS
      ? `${chars
          .slice(0, USER_AGENT_MAX_CHARS - 3)
          .join('')
          .trimEnd()}...`
      : flat;
  const words = cut.split(' ').filter((word) => word.length > 0 && (PRODUCT_TOKEN.test(word) || !looksLikeUrl(word)));
  return words.length > 0 ? words.join(' ') : null;
}

/** A link of ours in the HTML part, its text the link itself so the reader sees where it goes. */
export function htmlLink(href: string, label = href): string {
  return `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`;
}

/** When something happened, the same way in every email. */
export function emailTime(iso: string): string {
  return new Date(iso).toUTCString();
}

/** What an email carrying a single-use link needs. */
export interface TokenEmailInput {
  readonly appUrl: string;
  readonly email: string;
  readonly name: string | null;
  readonly token: string;
  readonly expiresAt: string;
  readonly reference: string;
}

/** A link to an API path the gateway routes, with the token in its query. */
export function tokenLink(appUrl: string, path: string, token: string): string {
  const link = new URL(path, appUrl);
  link.searchParams.set('token', token);
  return link.toString();
}
