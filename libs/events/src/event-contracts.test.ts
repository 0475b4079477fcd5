import { randomUUID } from 'node:crypto';
import { createEvent, InvalidEventError, parseEvent, validateEvent } from './event-contracts';
import { problemsForReleasedConsumer } from '../test/released-contracts';

const registered = () => ({
  userId: randomUUID(),
  email: 'ada@example.com',
  name: 'Ada',
  verificationToken: 'a'.repeat(43),
  verificationExpiresAt: '2026-01-02T00:00:00.000Z',
});

describe('event contracts', () => {
  it('when an event is created, then it carries a uuid id, the time, a correlation id and version 1', () => {
    const event = createEvent('user.registered', registered(), { correlationId: 'req-1', now: () => Date.UTC(2026, 0, 1) });
    expect(event).toMatchObject({ name: 'user.registered', version: 1, occurredAt: '2026-01-01T00:00:00.000Z', correlationId: 'req-1' });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(validateEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('when a payload breaks its contract, then creating the event throws naming every problem', () => {
    const payload = { ...registered(), verificationToken: 'short', email: 'not-an-email' };
    expect(() => createEvent('user.registered', payload)).toThrow(InvalidEventError);
    expect(() => createEvent('user.registered', payload)).toThrow(/verificationToken[\s\S]*email|email[\s\S]*verificationToken/);
  });

  it('when a payload has a key the contract does not know, then it is rejected', () => {
    expect(() => createEvent('user.deleted', { userId: randomUUID(), extra: true } as never)).toThrow(InvalidEventError);
  });

  it('when user.deleted is created, then it is still v1 exactly: a consumer of the released contract accepts it, and an actor is refused', () => {
    const event = createEvent('user.deleted', { userId: randomUUID() });
    expect(problemsForReleasedConsumer('user.deleted', JSON.parse(JSON.stringify(event)))).toEqual([]);
    const withActor = { userId: randomUUID(), deletedBy: { kind: 'admin', id: randomUUID() } };
    expect(() => createEvent('user.deleted', withActor as never)).toThrow(/deletedBy/);
    expect(problemsForReleasedConsumer('user.deleted', { ...event, payload: withActor })).toEqual([expect.stringMatching(/deletedBy/)]);
  });

  it('when user.deletion_recorded names an admin or a service client, then it is valid; without one, or with a wrong id, it is rejected', () => {
    const userId = randomUUID();
    const byAdmin = createEvent('user.deletion_recorded', { userId, deletedBy: { kind: 'admin', id: randomUUID() } });
    expect(validateEvent(JSON.parse(JSON.stringify(byAdmin)))).toEqual(byAdmin);
    expect(createEvent('user.deletion_recorded', { userId, deletedBy: { kind: 'client', id: `svc_${'a'.repeat(22)}` } }).payload.deletedBy.kind).toBe('client');
    expect(() => createEvent('user.deletion_recorded', { userId } as never)).toThrow(InvalidEventError);
    expect(() => createEvent('user.deletion_recorded', { userId, deletedBy: { kind: 'client', id: randomUUID() } })).toThrow(InvalidEventError);
    expect(() => createEvent('user.deletion_recorded', { userId, deletedBy: { kind: 'admin', id: 'svc_x' } })).toThrow(InvalidEventError);
    expect(() => createEvent('user.deletion_recorded', { userId, deletedBy: { kind: 'user', id: randomUUID() } } as never)).toThrow(InvalidEventError);
  });

  it('when the version or the name is unknown, then the message is invalid', () => {
    const event = createEvent('user.deleted', { userId: randomUUID() });
    expect(() => validateEvent({ ...event, version: 2 })).toThrow(InvalidEventError);
    expect(() => validateEvent({ ...event, name: 'user.renamed' })).toThrow(InvalidEventError);
  });

  it('when a session.revoked reason is not one of the known ones, then it is rejected', () => {
    const payload = { userId: randomUUID(), sessionIds: ['s1'], reason: 'boredom' };
    expect(() => createEvent('session.revoked', payload as never)).toThrow(InvalidEventError);
    expect(createEvent('session.revoked', { ...payload, reason: 'logout_all' }).payload.sessionIds).toEqual(['s1']);
  });

  it('when a body is not JSON, then parsing throws InvalidEventError', () => {
    expect(() => parseEvent(Buffer.from('{nope'))).toThrow(InvalidEventError);
  });
});
