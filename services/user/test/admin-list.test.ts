import { newAdmin, newIdentity, startUser, type Identity, type ProfileBody, type UserHarness } from './user-harness';

// Its own database: the page counts below assume no users from other files' tests.
let harness: UserHarness;
beforeAll(async () => {
  harness = await startUser('admin_list');
});
afterAll(() => harness.close());

interface Page {
  users: ProfileBody[];
  nextCursor: string | null;
}

async function signUp(identity: Identity): Promise<Identity> {
  const response = await harness.request('GET', '/api/user/profile', { identity });
  if (response.status !== 200) throw new Error(`profile failed: ${response.status}`);
  return identity;
}

async function listPage(admin: Identity, query: string): Promise<Page> {
  const response = await harness.request('GET', `/api/admin/users${query}`, { identity: admin });
  if (response.status !== 200) throw new Error(`list failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Page;
}

async function walk(admin: Identity, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await listPage(admin, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

describe('GET /api/admin/users', () => {
  it('when 25 users exist besides the admin, then limit 10 yields 3 pages in creation order with no duplicates or gaps', async () => {
    const admin = await signUp(newAdmin());
    const created: string[] = [admin.sub];
    for (let i = 0; i < 25; i += 1) {
      harness.advance(1000);
      created.push((await signUp(newIdentity())).sub);
    }

    const pages = await walk(admin, 10);

    expect(pages.map((p) => p.users.length)).toEqual([10, 10, 6]);
    expect(pages.map((p) => p.nextCursor === null)).toEqual([false, false, true]);
    expect(pages.flatMap((p) => p.users.map((u) => u.id))).toEqual(created);
    expect(pages[0]!.users[0]).toMatchObject({ id: admin.sub, email: admin.email, roles: ['user', 'admin'], bio: null });
  });

  it('when users share a creation instant, then ties are broken by id and paging still sees each exactly once', async () => {
    const admin = await signUp(newAdmin());
    harness.advance(60_000);
    harness.freeze();
    const twins: string[] = [];
    try {
      for (let i = 0; i < 7; i += 1) twins.push((await signUp(newIdentity())).sub);
    } finally {
      harness.thaw();
    }
    harness.advance(60_000);
    const { rows } = await harness.pool.query<{ id: string }>('SELECT id FROM profiles ORDER BY created_at, id');

    const pages = await walk(admin, 3);

    const seen = pages.flatMap((p) => p.users.map((u) => u.id));
    expect(seen).toEqual(rows.map((r) => r.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => twins.includes(id))).toEqual([...twins].sort());
    const { rows: instants } = await harness.pool.query('SELECT DISTINCT created_at FROM profiles WHERE id = ANY ($1)', [twins]);
    expect(instants).toHaveLength(1);
  });

  it('when a user is added after the first page was read, then the next page still continues where the first ended', async () => {
    const admin = await signUp(newAdmin());
    const first = await listPage(admin, '?limit=2');
    const before = first.users.map((u) => u.id);
    harness.advance(1000);
    const late = await signUp(newIdentity());

    const rest = (await walk(admin, 100)).flatMap((p) => p.users.map((u) => u.id));
    const afterCursor = await listPage(admin, `?limit=100&cursor=${first.nextCursor}`);

    expect(afterCursor.users.map((u) => u.id)).toEqual(rest.slice(2));
    expect(afterCursor.users.map((u) => u.id)).not.toContain(before[0]);
    expect(afterCursor.users.map((u) => u.id).at(-1)).toBe(late.sub);
  });

  it('when no limit is given, then 20 users come back', async () => {
    const admin = await signUp(newAdmin());
    const page = await listPage(admin, '');
    expect(page.users).toHaveLength(20);
  });

  it.each([['0'], ['101'], ['abc'], ['1.5'], ['-3']])('when limit is %s, then 400 validation_failed names limit', async (limit) => {
    const response = await harness.request('GET', `/api/admin/users?limit=${limit}`, { identity: newAdmin() });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.map((e) => e.path)).toContain('limit');
  });

  it.each([
    ['not base64 JSON', 'bm90IGpzb24'],
    ['garbage', '!!!'],
    ['a well-formed array of the wrong things', Buffer.from(JSON.stringify(['yesterday', 'someone'])).toString('base64url')],
    ['an object', Buffer.from(JSON.stringify({ createdAt: '2024-01-01T00:00:00.000Z' })).toString('base64url')],
  ])('when the cursor is %s, then 400 validation_failed names cursor', async (_what, cursor) => {
    const response = await harness.request('GET', `/api/admin/users?cursor=${encodeURIComponent(cursor)}`, { identity: newAdmin() });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.map((e) => e.path)).toContain('cursor');
  });

  it('when an unknown query parameter is sent, then 400', async () => {
    const response = await harness.request('GET', '/api/admin/users?offset=10', { identity: newAdmin() });
    expect(response.status).toBe(400);
  });

  it('when the caller is not an admin, then 403 forbidden', async () => {
    const response = await harness.request('GET', '/api/admin/users', { identity: newIdentity({ roles: ['user'] }) });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'forbidden' });
  });

  it('when no token is sent, then 401', async () => {
    const response = await harness.request('GET', '/api/admin/users');
    expect(response.status).toBe(401);
  });

  it('when an admin lists users for the first time, then their own profile exists from the token', async () => {
    const admin = newAdmin();
    expect((await harness.request('GET', '/api/admin/users?limit=1', { identity: admin })).status).toBe(200);
    const { rows } = await harness.pool.query('SELECT roles FROM profiles WHERE id = $1', [admin.sub]);
    expect(rows[0]).toEqual({ roles: ['user', 'admin'] });
  });
});
