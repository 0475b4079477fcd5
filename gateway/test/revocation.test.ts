import { randomUUID } from 'node:crypto';
import { createEvent, type AnyEvent } from '@gatehouse/events';
import { signToken } from '../../libs/jwt/test/token-fixtures';
import { eventually, openBrokerProbe, type BrokerProbe } from '../../libs/events/test/broker-fixtures';
import { startGateway, type Gateway } from './gateway-harness';

let offset = 0;
let gw: Gateway;
let probe: BrokerProbe;
beforeAll(async () => {
  gw = await startGateway({}, { revocationFeed: true, now: () => Date.now() + offset });
  probe = await openBrokerProbe();
});
afterAll(async () => {
  await probe.close({});
  await gw.close();
});

/** Publishes as the auth and user services' relays would, straight to this gateway's exchange. */
function publish(event: AnyEvent): void {
  publishRaw(event.name, JSON.stringify(event));
}

function publishRaw(routingKey: string, body: string): void {
  probe.channel.publish(gw.config.EVENTS_EXCHANGE, routingKey, Buffer.from(body), { persistent: true });
}

function tokenFor(userId: string, sessionId = randomUUID()): string {
  return signToken(gw.key, { claims: { sub: userId, sid: sessionId } });
}

const call = (token: string) => fetch(`${gw.url}/api/user/profile`, { headers: { authorization: `Bearer ${token}` } });

/** Polls until the token is refused: the feed applies events asynchronously. */
async function refusedWithin(token: string, timeoutMs: number): Promise<boolean> {
  return eventually(async () => (await call(token)).status === 401, timeoutMs);
}

describe('gateway revocation feed', () => {
  it('when user.deleted is published, then within a second the user’s still-valid (cached) token is refused and never reaches upstream', async () => {
    const userId = randomUUID();
    const token = tokenFor(userId);
    expect((await call(token)).status).toBe(200);

    publish(createEvent('user.deleted', { userId }));

    expect(await eventually(() => gw.denyList.has(userId, randomUUID()), 1000)).toBe(true);
    const seenBefore = gw.user.seen.length;
    const response = await call(token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await response.json()).toMatchObject({ code: 'token_invalid' });
    expect(gw.user.seen.length).toBe(seenBefore);
  });

  it('when session.revoked names a session, then that session is refused and another session of the same user still passes', async () => {
    const userId = randomUUID();
    const revokedSession = randomUUID();
    const revoked = tokenFor(userId, revokedSession);
    const otherSession = tokenFor(userId);

    publish(createEvent('session.revoked', { userId, sessionIds: [revokedSession], reason: 'reuse_detected' }));

    expect(await refusedWithin(revoked, 1000)).toBe(true);
    expect((await call(otherSession)).status).toBe(200);
  });

  it('when sessions are revoked because the user was deleted, then every session of the user is refused', async () => {
    const userId = randomUUID();
    const other = tokenFor(userId);

    publish(createEvent('session.revoked', { userId, sessionIds: [randomUUID()], reason: 'user_deleted' }));

    expect(await refusedWithin(other, 1000)).toBe(true);
  });

  it('when the revocation TTL has passed, then the entry is forgotten and the token passes again', async () => {
    const userId = randomUUID();
    const token = tokenFor(userId);
    publish(createEvent('user.deleted', { userId }));
    expect(await refusedWithin(token, 1000)).toBe(true);

    offset += (gw.config.REVOCATION_TTL_SECONDS - 1) * 1000;
    expect((await call(token)).status).toBe(401);
    offset += 1000;

    expect((await call(token)).status).toBe(200);
  });

  it('when a message breaks the contract, then it is dropped and later revocations still apply', async () => {
    const userId = randomUUID();
    const token = tokenFor(userId);
    publishRaw('user.deleted', JSON.stringify({ ...createEvent('user.deleted', { userId }), payload: { userId: 'not-a-uuid' } }));
    publishRaw('session.revoked', 'not json at all');

    expect(await eventually(() => gw.logs.lines().filter((l) => l.msg === 'invalid revocation event dropped').length === 2, 1000)).toBe(true);
    expect((await call(token)).status).toBe(200);

    publish(createEvent('user.deleted', { userId }));

    expect(await refusedWithin(token, 1000)).toBe(true);
  });
});
