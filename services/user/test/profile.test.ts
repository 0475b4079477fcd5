import { newIdentity, newSigningKey, mintToken, startUser, type ProblemBody, type ProfileBody, type UserHarness } from './user-harness';

let harness: UserHarness;
beforeAll(async () => {
  harness = await startUser('profile');
});
afterAll(() => harness.close());

async function storedRow(id: string) {
  const { rows } = await harness.pool.query('SELECT * FROM profiles WHERE id = $1', [id]);
  return rows[0] as
    | {
        email: string;
        email_verified: boolean;
        name: string | null;
        bio: string | null;
        avatar_url: string | null;
        locale: string | null;
        roles: string[];
        updated_at: Date;
      }
    | undefined;
}

describe('GET /api/user/profile', () => {
  it('when the caller has just registered, then 200 creates the profile from the token claims', async () => {
    const identity = newIdentity({ name: 'Ada Lovelace' });
    expect(await storedRow(identity.sub)).toBeUndefined();

    const response = await harness.request('GET', '/api/user/profile', { identity });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: identity.sub,
      email: identity.email,
      name: 'Ada Lovelace',
      bio: null,
      avatarUrl: null,
      locale: null,
      roles: ['user'],
      emailVerified: true,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(await storedRow(identity.sub)).toMatchObject({ email: identity.email, name: 'Ada Lovelace', roles: ['user'] });
  });

  it('when many first requests of one caller race, then exactly one profile exists and all of them get it', async () => {
    const identity = newIdentity();
    const responses = await Promise.all(Array.from({ length: 8 }, () => harness.request('GET', '/api/user/profile', { identity })));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as ProfileBody[];
    expect(new Set(bodies.map((b) => b.createdAt)).size).toBe(1);
    const { rows } = await harness.pool.query('SELECT count(*)::int AS n FROM profiles WHERE id = $1', [identity.sub]);
    expect(rows[0].n).toBe(1);
  });

  it('when no token is sent, then 401 token_missing with a Bearer challenge', async () => {
    const response = await harness.request('GET', '/api/user/profile');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toMatchObject({ code: 'token_missing' });
  });

  it('when the token is signed by another key under the same kid, then 401 and no profile is created', async () => {
    const identity = newIdentity();
    const forger = { ...newSigningKey(), kid: harness.key.kid };
    const response = await harness.request('GET', '/api/user/profile', { token: mintToken(identity, forger) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_invalid' });
    expect(await storedRow(identity.sub)).toBeUndefined();
  });

  it('when the token has expired, then 401', async () => {
    const token = mintToken(newIdentity(), harness.key, { expiresInSeconds: -120 });
    const response = await harness.request('GET', '/api/user/profile', { token });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_invalid' });
  });

  it('when only identity headers are sent, then they are not trusted: 401', async () => {
    const identity = newIdentity();
    const response = await fetch(`${harness.url}/api/user/profile`, {
      headers: { 'x-user-id': identity.sub, 'x-user-email': identity.email, 'x-user-roles': 'admin' },
    });
    expect(response.status).toBe(401);
    expect(await storedRow(identity.sub)).toBeUndefined();
  });

  it('when the method is not supported, then 405 with Allow', async () => {
    const response = await harness.request('DELETE', '/api/user/profile', { identity: newIdentity() });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, PUT, HEAD');
  });
});

describe('PUT /api/user/profile', () => {
  it('when the changes are valid, then 200 returns the updated profile and the row holds them', async () => {
    const identity = newIdentity();
    await harness.request('GET', '/api/user/profile', { identity });
    harness.advance(1000);

    const response = await harness.request('PUT', '/api/user/profile', {
      identity,
      body: { name: '  Grace Hopper ', bio: 'Wrote the first compiler.', avatarUrl: 'https://cdn.example.com/a/grace.png', locale: 'en-us' },
    });

    expect(response.status).toBe(200);
    const body = (await response.json()) as ProfileBody;
    expect(body).toMatchObject({
      id: identity.sub,
      email: identity.email,
      name: 'Grace Hopper',
      bio: 'Wrote the first compiler.',
      avatarUrl: 'https://cdn.example.com/a/grace.png',
      locale: 'en-US',
      roles: ['user'],
    });
    expect(new Date(body.updatedAt).getTime()).toBeGreaterThan(new Date(body.createdAt).getTime());
    expect(await storedRow(identity.sub)).toMatchObject({
      name: 'Grace Hopper',
      bio: 'Wrote the first compiler.',
      avatar_url: 'https://cdn.example.com/a/grace.png',
      locale: 'en-US',
    });
    const again = (await (await harness.request('GET', '/api/user/profile', { identity })).json()) as ProfileBody;
    expect(again).toEqual(body);
  });

  it('when a field is null, then it is cleared and the others stay', async () => {
    const identity = newIdentity();
    await harness.request('PUT', '/api/user/profile', { identity, body: { bio: 'Temporary', locale: 'fr' } });

    const response = await harness.request('PUT', '/api/user/profile', { identity, body: { bio: null, name: null } });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ bio: null, name: null, locale: 'fr' });
    expect(await storedRow(identity.sub)).toMatchObject({ bio: null, name: null, locale: 'fr' });
  });

  it('when the caller has no profile yet, then PUT creates it from the claims and applies the change', async () => {
    const identity = newIdentity();
    const response = await harness.request('PUT', '/api/user/profile', { identity, body: { bio: 'First words' } });
    expect(response.status).toBe(200);
    expect(await storedRow(identity.sub)).toMatchObject({ email: identity.email, bio: 'First words' });
  });

  it.each([
    ['email', { email: 'attacker@example.com' }],
    ['roles', { roles: ['admin'] }],
    ['id', { id: '00000000-0000-4000-8000-000000000000' }],
    ['isAdmin', { isAdmin: true }],
  ])('when the body carries %s, then 400 validation_failed names it and nothing changes', async (field, extra) => {
    const identity = newIdentity();
    await harness.request('PUT', '/api/user/profile', { identity, body: { name: 'Before' } });
    const before = await storedRow(identity.sub);

    const response = await harness.request('PUT', '/api/user/profile', { identity, body: { name: 'After', ...extra } });

    expect(response.status).toBe(400);
    const problem = (await response.json()) as ProblemBody;
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain(field);
    expect(await storedRow(identity.sub)).toEqual(before);
  });

  it.each([
    ['an empty name', { name: '' }, 'name'],
    ['a name over 100 characters', { name: 'x'.repeat(101) }, 'name'],
    ['a bio over 500 characters', { bio: 'x'.repeat(501) }, 'bio'],
    ['an http avatar', { avatarUrl: 'http://cdn.example.com/a.png' }, 'avatarUrl'],
    ['a javascript: avatar', { avatarUrl: 'javascript:alert(1)' }, 'avatarUrl'],
    ['an avatar URL over 2048 characters', { avatarUrl: `https://cdn.example.com/${'a'.repeat(2048)}` }, 'avatarUrl'],
    ['a locale that is no language tag', { locale: 'english please' }, 'locale'],
    ['a locale over 35 characters', { locale: `en-${'abcdefgh-'.repeat(4)}x` }, 'locale'],
    ['a line break in the name', { name: 'Grace\nHopper' }, 'name'],
    ['an escape sequence in the bio', { bio: 'a\u001b[2Jb' }, 'bio'],
    ['a control character in the avatar URL', { avatarUrl: 'https://cdn.example.com/a\u0000.png' }, 'avatarUrl'],
  ])('when the body has %s, then 400 names the field', async (_what, body, field) => {
    const identity = newIdentity();
    const response = await harness.request('PUT', '/api/user/profile', { identity, body });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as ProblemBody;
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain(field);
  });

  it('when the bio holds a NUL character, then 400 validation_failed names it (not a 500 from PostgreSQL) and nothing changes', async () => {
    const identity = newIdentity();
    await harness.request('PUT', '/api/user/profile', { identity, body: { bio: 'Before' } });

    const response = await harness.request('PUT', '/api/user/profile', { identity, body: { bio: 'a\u0000b' } });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: 'bio', message: '"bio" must not contain control characters other than newline and tab' }],
    });
    expect(await storedRow(identity.sub)).toMatchObject({ bio: 'Before' });
  });

  it('when the bio spans several lines, then 200 stores the line breaks and tabs as written', async () => {
    const identity = newIdentity();
    const bio = 'Wrote the first compiler.\n\n\tAdmiral, US Navy.';

    const response = await harness.request('PUT', '/api/user/profile', { identity, body: { bio } });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ bio });
    expect(await storedRow(identity.sub)).toMatchObject({ bio });
  });

  it('when the body is empty, then 400 and nothing changes', async () => {
    const identity = newIdentity();
    const response = await harness.request('PUT', '/api/user/profile', { identity, body: {} });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation_failed' });
  });

  it('when no token is sent, then 401 and nothing is validated or stored', async () => {
    const response = await harness.request('PUT', '/api/user/profile', { body: { name: 'Nobody' } });
    expect(response.status).toBe(401);
  });
});

describe('email verification on the profile', () => {
  it('when the first token says the email is unverified, then the profile says so too', async () => {
    const identity = newIdentity({ emailVerified: false });
    const response = await harness.request('GET', '/api/user/profile', { identity });
    expect(await response.json()).toMatchObject({ emailVerified: false });
    expect(await storedRow(identity.sub)).toMatchObject({ email_verified: false });
  });

  it('when a later token says the email is verified, then the profile is marked verified', async () => {
    const identity = newIdentity({ emailVerified: false });
    await harness.request('GET', '/api/user/profile', { identity });

    const response = await harness.request('GET', '/api/user/profile', { identity: { ...identity, emailVerified: true } });

    expect(await response.json()).toMatchObject({ emailVerified: true });
    expect(await storedRow(identity.sub)).toMatchObject({ email_verified: true });
  });

  it('when an older token still says unverified, then a verified profile stays verified', async () => {
    const identity = newIdentity({ emailVerified: true });
    await harness.request('GET', '/api/user/profile', { identity });

    const response = await harness.request('GET', '/api/user/profile', { identity: { ...identity, emailVerified: false } });

    expect(await response.json()).toMatchObject({ emailVerified: true });
  });
});
