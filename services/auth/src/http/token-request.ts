import type { ClientTokenRequest } from '../domain/issue-client-token.use-case';
import { SCOPE_TOKEN } from '../config';
import { OAuthError } from './oauth-errors';

const RECOGNISED = ['grant_type', 'scope', 'client_id', 'client_secret'] as const;
type Parameter = (typeof RECOGNISED)[number];

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;

const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
const invalidClient = (description: string) => new OAuthError('invalid_client', description);

/**
 * RFC 6749 §3.2: a parameter sent twice is an error, one sent without a value counts as absent,
 * and unrecognised ones are ignored (so they are not refused, unlike our JSON bodies).
 */
function formParameters(body: string): ReadonlyMap<Parameter, string> {
  const params = new URLSearchParams(body);
  const values = new Map<Parameter, string>();
  for (const name of RECOGNISED) {
    const all = params.getAll(name);
    if (all.length > 1) throw invalidRequest(`The parameter ${name} is sent more than once.`);
    if (all[0]) values.set(name, all[0]);
  }
  return values;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they go into Basic. */
function formDecoded(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw invalidClient('The Basic credentials are not form-urlencoded.');
  }
}

function basicCredentials(header: string): { clientId: string; clientSecret: string } {
  const match = BASIC.exec(header);
  if (!match) throw invalidClient('Authenticate the client with HTTP Basic or client_secret_post.');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw invalidClient('The Basic credentials are malformed.');
  return { clientId: formDecoded(decoded.slice(0, colon)), clientSecret: formDecoded(decoded.slice(colon + 1)) };
}

/** client_secret_basic or client_secret_post, never both (RFC 6749 §2.3). */
function clientCredentials(params: ReadonlyMap<Parameter, string>, authorization: string | undefined): { clientId: string; clientSecret: string } {
  const postedId = params.get('client_id');
  const postedSecret = params.get('client_secret');
  if (authorization === undefined) {
    if (postedId === undefined || postedSecret === undefined) throw invalidClient('Authenticate the client with HTTP Basic or client_secret_post.');
    return { clientId: postedId, clientSecret: postedSecret };
  }
  if (postedSecret !== undefined) throw invalidRequest('Use one client authentication method, not two.');
  const basic = basicCredentials(authorization);
  // Some clients repeat their id in the body beside Basic; that is one method, if it is the same id.
  if (postedId !== undefined && postedId !== basic.clientId) throw invalidRequest('client_id differs from the client authenticated with Basic.');
  return basic;
}

/** RFC 6749 §3.3: scope-tokens separated by single spaces. */
function requestedScopes(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const scopes = scope.split(' ');
  if (!scopes.every((token) => SCOPE_TOKEN.test(token))) throw new OAuthError('invalid_scope', 'The scope is malformed.');
  return scopes;
}

/**
 * A client credentials token request (RFC 6749 §4.4.2) from the form body and the Authorization
 * header; throws the OAuth error the request earns. Error descriptions never echo what was sent.
 */
export function readTokenRequest(body: string, authorization: string | undefined): ClientTokenRequest {
  const params = formParameters(body);
  const grantType = params.get('grant_type');
  if (grantType === undefined) throw invalidRequest('grant_type is missing.');
  if (grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only the client_credentials grant is supported.');
  return { ...clientCredentials(params, authorization), scopes: requestedScopes(params.get('scope')) };
}
