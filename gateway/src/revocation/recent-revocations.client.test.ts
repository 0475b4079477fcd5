import express from 'express';
import { serveOnFreePort, type RunningServer } from '@gatehouse/testing';
import { recentRevocationsClient, RecentRevocationsError } from './recent-revocations.client';

/** A tiny auth stand-in whose `/internal/revocations` answers what the test sets. */
let answer: { status: number; type: string; body: string };
const asked: string[] = [];
let server: RunningServer;
beforeAll(async () => {
  const app = express();
  app.get('/internal/revocations', (req, res) => {
    asked.push(req.originalUrl);
    res.status(answer.status).type(answer.type).send(answer.body);
  });
  server = await serveOnFreePort(app);
});
afterAll(() => server.close());
beforeEach(() => {
  asked.length = 0;
});

const json = (status: number, body: unknown) => ({ status, type: 'application/json', body: JSON.stringify(body) });
const fetchFrom = (authUrl = server.url) => recentRevocationsClient({ authUrl, windowSeconds: 930 })(new AbortController().signal);

async function failureOf(promise: Promise<unknown>): Promise<RecentRevocationsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RecentRevocationsError);
  return error as RecentRevocationsError;
}

describe('recent revocations client', () => {
  it('when auth lists revocations, then they come back as listed, asked for the window, also from a base URL with a trailing slash', async () => {
    const listed = { sessions: [{ id: 's1', at: 1 }], users: [{ id: 'u1', at: 2 }], clients: [{ id: 'svc_1', at: 3 }] };
    answer = json(200, listed);

    expect(await fetchFrom(`${server.url}/`)).toEqual(listed);
    expect(asked).toEqual(['/internal/revocations?windowSeconds=930']);
  });

  it('when the answer breaks the contract, then it fails naming the fields, not their values', async () => {
    answer = json(200, { sessions: [{ id: 's1', at: 'yesterday' }], users: [], clients: [], secret: 'x' });

    const error = await failureOf(fetchFrom());

    expect(error.message).toMatch(/sessions\.0\.at/);
    expect(error.message).toMatch(/secret/);
    expect(error.message).not.toMatch(/yesterday/);
  });

  it('when the answer is not JSON, then it fails without quoting the body', async () => {
    answer = { status: 200, type: 'text/html', body: '<html>a login page with a token=abc</html>' };

    const error = await failureOf(fetchFrom());

    expect(error.message).toBe('auth answered no JSON');
  });

  it('when auth refuses the window, then the failure carries the status and the problem’s detail', async () => {
    const errors = [{ path: 'windowSeconds', message: '"windowSeconds" must be less than or equal to 600' }];
    answer = json(400, { status: 400, code: 'validation_failed', detail: 'The request is not valid.', errors });

    const error = await failureOf(fetchFrom());

    expect(error.status).toBe(400);
    expect(error.message).toBe('auth answered 400: The request is not valid. ("windowSeconds" must be less than or equal to 600)');
  });

  it('when auth fails, then the failure carries the status only', async () => {
    answer = json(503, { detail: 'database down at db.internal:5432' });

    const error = await failureOf(fetchFrom());

    expect(error).toMatchObject({ status: 503, message: 'auth answered 503' });
  });
});
