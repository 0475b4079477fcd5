import express from 'express';
import { serveOnFreePort, type RunningServer } from '@gatehouse/testing';
import type { IssuedSession } from '../domain/session';
import { sendSession } from './session-cookies';

const session: IssuedSession = {
  accessToken: 'header.payload.signature',
  expiresIn: 900,
  refreshToken: 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKlMnOpQrStUvWxYz0123456',
  refreshExpiresIn: 604_800,
  csrfToken: 'CsRfCsRfCsRfCsRfCsRfCsRfCsRfCsRfCsRfCsRfCsR',
  claims: { userId: '6f1c1c3e-0d0b-4a53-9d43-3d4f6d0e8b11', email: 'ada@example.com', name: 'Ada', roles: ['user'], emailVerified: true },
};

/** Expires moves with the clock; everything else must match to the byte. */
const withoutExpires = (cookie: string) => cookie.replace(/; Expires=[^;]+/, '');
const expiresOf = (cookie: string) => Date.parse(/; Expires=([^;]+)/.exec(cookie)![1]!);

describe('sendSession', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = express();
    app.post('/secure/session', (_req, res) => sendSession(res, { secure: true }, session));
    app.post('/plain/session', (_req, res) => sendSession(res, { secure: false }, session));
    // What sendSession wrote before it built the cookies itself.
    for (const secure of [true, false]) {
      app.post(`/${secure ? 'secure' : 'plain'}/express`, (_req, res) => {
        const maxAge = session.refreshExpiresIn * 1000;
        res.cookie(secure ? '__Secure-refresh_token' : 'refresh_token', session.refreshToken, {
          httpOnly: true,
          secure,
          sameSite: 'strict',
          path: '/api/auth',
          maxAge,
        });
        res.cookie(secure ? '__Host-csrf_token' : 'csrf_token', session.csrfToken, { httpOnly: false, secure, sameSite: 'strict', path: '/', maxAge });
        res.status(200).json({});
      });
    }
    server = await serveOnFreePort(app);
  });
  afterAll(() => server.close());

  it.each(['secure', 'plain'])('when the policy is %s, then the cookies are byte for byte what res.cookie writes', async (policy) => {
    const ours = (await fetch(`${server.url}/${policy}/session`, { method: 'POST' })).headers.getSetCookie();
    const theirs = (await fetch(`${server.url}/${policy}/express`, { method: 'POST' })).headers.getSetCookie();

    expect(ours.map(withoutExpires)).toEqual(theirs.map(withoutExpires));
    for (const [i, cookie] of ours.entries()) expect(Math.abs(expiresOf(cookie) - expiresOf(theirs[i]!))).toBeLessThanOrEqual(2000);
  });

  it('when a session is sent, then the body is JSON without the refresh token and the response is not cached', async () => {
    const response = await fetch(`${server.url}/secure/session`, { method: 'POST' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const text = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(text).not.toContain(session.refreshToken);
    expect(JSON.parse(text)).toEqual({
      accessToken: session.accessToken,
      tokenType: 'Bearer',
      expiresIn: 900,
      csrfToken: session.csrfToken,
      user: { id: session.claims.userId, email: 'ada@example.com', name: 'Ada', roles: ['user'], emailVerified: true },
    });
  });
});
