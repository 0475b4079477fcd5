import { OAuthError } from './oauth-errors';
import { readTokenRequest } from './token-request';

const GRANT = 'grant_type=client_credentials';
/** RFC 6749 §2.3.1: form-urlencode each part, then Basic. */
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function oauthErrorOf(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    return error instanceof OAuthError ? error.code : 'not an OAuthError';
  }
}

describe('reading a token request', () => {
  it('when Basic credentials hold form-urlencoded characters, then they are decoded as RFC 6749 §2.3.1 says', () => {
    expect(readTokenRequest(GRANT, basic('svc:id', 'a+b:c%'))).toMatchObject({ clientId: 'svc:id', clientSecret: 'a+b:c%' });
    expect(readTokenRequest(GRANT, `Basic ${Buffer.from('id:a+b').toString('base64')}`)).toMatchObject({ clientSecret: 'a b' });
  });

  it('when Basic credentials are not form-urlencoded, then invalid_client', () => {
    expect(oauthErrorOf(() => readTokenRequest(GRANT, `Basic ${Buffer.from('id:%zz').toString('base64')}`))).toBe('invalid_client');
  });

  it('when a parameter is sent empty, then it counts as absent; unknown parameters are ignored', () => {
    expect(readTokenRequest(`${GRANT}&scope=&resource=x`, basic('id', 'secret'))).toEqual({ clientId: 'id', clientSecret: 'secret', scopes: undefined });
    expect(oauthErrorOf(() => readTokenRequest('grant_type=', basic('id', 'secret')))).toBe('invalid_request');
  });

  it('when Basic is sent with the same client_id in the body, then that is one method; a different id is refused', () => {
    expect(readTokenRequest(`${GRANT}&client_id=id`, basic('id', 'secret'))).toMatchObject({ clientId: 'id' });
    expect(oauthErrorOf(() => readTokenRequest(`${GRANT}&client_id=other`, basic('id', 'secret')))).toBe('invalid_request');
  });

  it('when the grant type is wrong, then that is reported before the client authentication', () => {
    expect(oauthErrorOf(() => readTokenRequest('grant_type=password', undefined))).toBe('unsupported_grant_type');
    expect(oauthErrorOf(() => readTokenRequest('client_id=x', undefined))).toBe('invalid_request');
  });

  it('when scopes are requested, then they are split on single spaces and malformed lists are refused', () => {
    expect(readTokenRequest(`${GRANT}&scope=users%3Aread+users%3Awrite`, basic('id', 's')).scopes).toEqual(['users:read', 'users:write']);
    expect(oauthErrorOf(() => readTokenRequest(`${GRANT}&scope=a%22b`, basic('id', 's')))).toBe('invalid_scope');
    expect(oauthErrorOf(() => readTokenRequest(`${GRANT}&scope=+a`, basic('id', 's')))).toBe('invalid_scope');
  });
});
