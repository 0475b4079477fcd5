import { randomUUID } from 'node:crypto';
import { createEvent, type AnyEvent } from '@gatehouse/events';
import { newClientId, serviceClaims, signToken } from '../../libs/jwt/test/token-fixtures';
import { eventually, openBrokerProbe, type BrokerProbe } from '../../libs/events/test/broker-fixtures';
import { revocationTtlSeconds } from '../src/config';
import { startGateway, type Gateway } from './gateway-harness';

/** How far the deny lists' clock is ahead of the real one; the verifier keeps the real clock. */
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
beforeEach(() => {
  offset = 0;
});

/** Publishes as the auth and user services' relays would, straight to the gateway's exchange. */
function publish(event: AnyEvent, to: Gateway = gw): void {
  publishRaw(event.name, JSON.stringify(event), to);
}

function publishRaw(routingKey: string, body: string, to: Gateway = gw): void {
  probe.channel.publish(to.config.EVENTS_EXCHANGE, routingKey, Buffer.from(body), { persistent: true });
}

function tokenFor(userId: string, sessionId = randomUUID()): string {
  return signToken(gw.key, { claims: { sub: userId, sid: sessionId } });
}

const call = (token: string) => fetch(`${gw.url}/api/user/profile`, { headers: { authorization: `Bearer ${token}` } });

/** A client credentials token that the user admin API takes at the gateway. */
function serviceTokenFor(clientId: string): string {
  return signToken(gw.key, { claims: serviceClaims({ sub: clientId, client_id: clientId, roles: ['admin'], scope: 'users:read' }) });
}

const callAsService = (token: string) => fetch(`${gw.url}/api/admin/users`, { headers: { authorization: `Bearer ${token}` } });

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

  it('when a token was issued just before the revocation, then it is still refused one second before its expiry plus the clock tolerance', async () => {
    const userId = randomUUID();
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + gw.config.ACCESS_TOKEN_TTL_SECONDS;
    const token = signToken(gw.key, { claims: { sub: userId, sid: randomUUID(), iat, exp } });
    publish(createEvent('user.deleted', { userId }));
    expect(await refusedWithin(token, 1000)).toBe(true);

    // Only the deny list's clock moves: the verifier still takes the token, so a refusal is the entry's.
    offset = (exp + gw.config.JWT_CLOCK_TOLERANCE_SECONDS - 1) * 1000 - Date.now();

    const response = await call(token);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_invalid' });
  });

  it('when the revocation TTL (access token lifetime plus clock tolerance) has passed, then the entry is forgotten and the token passes again', async () => {
    const userId = randomUUID();
    const token = tokenFor(userId);
    publish(createEvent('user.deleted', { userId }));
    expect(await refusedWithin(token, 1000)).toBe(true);

    offset += (gw.config.ACCESS_TOKEN_TTL_SECONDS + gw.config.JWT_CLOCK_TOLERANCE_SECONDS - 1) * 1000;
    expect((await call(token)).status).toBe(401);
    offset += 1000;

    expect((await call(token)).status).toBe(200);
  });

  it('when client.deleted is published, then within a second that client’s token is refused and another client’s token still works', async () => {
    const deletedClient = newClientId();
    const deleted = serviceTokenFor(deletedClient);
    const other = serviceTokenFor(newClientId());
    expect((await callAsService(deleted)).status).toBe(200);

    publish(createEvent('client.deleted', { clientId: deletedClient }));

    expect(await eventually(async () => (await callAsService(deleted)).status === 401, 1000)).toBe(true);
    const seenBefore = gw.user.seen.length;
    const refused = await callAsService(deleted);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await refused.json()).toMatchObject({ code: 'token_invalid' });
    expect(gw.user.seen.length).toBe(seenBefore);
    expect((await callAsService(other)).status).toBe(200);
    expect(gw.logs.lines()).toContainEqual(expect.objectContaining({ msg: 'revocation applied', event: 'client.deleted', clientId: deletedClient }));
  });

  it('when a client was deleted, then its tokens stay refused for the revocation TTL and pass again after it', async () => {
    const clientId = newClientId();
    const token = serviceTokenFor(clientId);
    publish(createEvent('client.deleted', { clientId }));
    expect(await eventually(async () => (await callAsService(token)).status === 401, 1000)).toBe(true);

    offset += revocationTtlSeconds(gw.config) * 1000 - 1000;
    expect((await callAsService(token)).status).toBe(401);
    offset += 1000;

    expect((await callAsService(token)).status).toBe(200);
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

  it('when user.deletion_recorded (who deleted a user, for auth’s audit log) is published, then the feed never receives it: no binding, nothing logged as invalid', async () => {
    const invalidBefore = gw.logs.lines().filter((l) => l.msg === 'invalid revocation event dropped').length;
    const recorded = createEvent('user.deletion_recorded', { userId: randomUUID(), deletedBy: { kind: 'admin', id: randomUUID() } });
    publish(recorded);
    // Published after it on the same channel: once this one applied, the other had its chance.
    const userId = randomUUID();
    const token = tokenFor(userId);
    publish(createEvent('user.deleted', { userId }));
    expect(await refusedWithin(token, 1000)).toBe(true);

    expect(gw.logs.lines().filter((l) => l.msg === 'invalid revocation event dropped')).toHaveLength(invalidBefore);
    expect(gw.logs.lines().some((l) => l.eventId === recorded.id)).toBe(false);
  });
});

describe('gateway revocation feed with a shorter access token lifetime', () => {
  let short: Gateway;
  beforeAll(async () => {
    short = await startGateway({ ACCESS_TOKEN_TTL_SECONDS: '60' }, { revocationFeed: true, now: () => Date.now() + offset });
  });
  afterAll(async () => {
    await short.close();
  });

  it('when ACCESS_TOKEN_TTL_SECONDS is 60, then a revocation is remembered for 90 seconds (with the 30 s tolerance), not 930', async () => {
    const userId = randomUUID();
    const sessionId = randomUUID();
    publish(createEvent('user.deleted', { userId }), short);
    expect(await eventually(() => short.denyList.has(userId, sessionId), 1000)).toBe(true);
    expect(revocationTtlSeconds(short.config)).toBe(90);

    offset += 89_000;
    expect(short.denyList.has(userId, sessionId)).toBe(true);
    offset += 1000;

    expect(short.denyList.has(userId, sessionId)).toBe(false);
  });
});
