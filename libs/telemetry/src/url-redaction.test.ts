import type { IncomingMessage } from 'node:http';
import { redactedIncomingQuery, redactedOutgoingUrl, redactQuery } from './url-redaction';

describe('query redaction', () => {
  it('when a query has values, then every value is replaced and the names stay', () => {
    expect(redactQuery('token=abc&next=%2Fhome&flag&empty=')).toBe('token=REDACTED&next=REDACTED&flag&empty=REDACTED');
  });

  it('when a request has a query, then the server span gets it redacted, and nothing without one', () => {
    expect(redactedIncomingQuery({ url: '/api/auth/verify-email?token=s3cret' } as IncomingMessage)).toEqual({ 'url.query': 'token=REDACTED' });
    expect(redactedIncomingQuery({ url: '/api/auth/register' } as IncomingMessage)).toEqual({});
  });

  it('when an upstream request has a query, then the client span URL has it redacted, the port kept and no credentials', () => {
    expect(redactedOutgoingUrl({ protocol: 'http:', hostname: '127.0.0.1', port: 4001, path: '/reset?token=s3cret', auth: 'user:pass' })).toEqual({
      'url.full': 'http://127.0.0.1:4001/reset?token=REDACTED',
    });
    expect(redactedOutgoingUrl({ protocol: 'https:', host: 'auth.internal', port: 443, path: '/api/auth/login' })).toEqual({
      'url.full': 'https://auth.internal/api/auth/login',
    });
  });
});
