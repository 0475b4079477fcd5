import type { AuthTransaction, SessionStore, Transactions } from './auth.ports';
import { deleteAccount, isLastAdmin } from './delete-account.use-case';

const USER = '6f1c2a8e-1d2b-4c3d-8e4f-5a6b7c8d9e0f';
const ADMIN = '7a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d';
const OTHER_ADMIN = '8b3c4d5e-6f7a-4b2c-8d3e-4f5a6b7c8d9e';

/** In-memory stand-ins for the stores, recording what the use case asked of them. */
function world(options: { admins?: string[]; revokeFailsOnCall?: number } = {}) {
  const processed = new Set<string>();
  const credentials = new Set([USER, ADMIN]);
  const revokeCalls: string[] = [];
  const sessions: Pick<SessionStore, 'revokeAll'> = {
    async revokeAll(userId) {
      revokeCalls.push(userId);
      if (revokeCalls.length === options.revokeFailsOnCall) throw new Error('Redis blip');
      return ['s1'];
    },
  };
  const tx = {
    lockAdmins: async () => options.admins ?? [ADMIN, OTHER_ADMIN],
    deleteCredential: async (userId: string) => void credentials.delete(userId),
    publish: async () => undefined,
  } as unknown as AuthTransaction;
  const transactions: Pick<Transactions, 'once'> = {
    async once(eventId, work) {
      if (processed.has(eventId)) return false;
      await work(tx);
      processed.add(eventId);
      return true;
    },
  };
  const deps = { sessions, transactions, credentials: { exists: async (userId: string) => credentials.has(userId) } };
  return { deps, revokeCalls, credentials };
}

describe('delete account', () => {
  it('when the sessions cannot be ended after the commit, then the redelivery ends them although the event counts as handled', async () => {
    const { deps, revokeCalls } = world({ revokeFailsOnCall: 2 });
    await expect(deleteAccount(deps, 'e1', USER)).rejects.toThrow('Redis blip');
    expect(await deleteAccount(deps, 'e1', USER)).toBe('duplicate');
    expect(revokeCalls).toEqual([USER, USER, USER]);
  });

  it('when the event names the last admin, then nothing ends, not even on redelivery', async () => {
    const { deps, revokeCalls, credentials } = world({ admins: [ADMIN] });
    expect(await deleteAccount(deps, 'e2', ADMIN)).toBe('refused_last_admin');
    expect(await deleteAccount(deps, 'e2', ADMIN)).toBe('duplicate');
    expect(revokeCalls).toEqual([]);
    expect(credentials.has(ADMIN)).toBe(true);
  });

  it('when admins are counted, then only the one remaining admin is the last', () => {
    expect(isLastAdmin('a', ['a'])).toBe(true);
    expect(isLastAdmin('a', ['a', 'b'])).toBe(false);
    expect(isLastAdmin('b', ['a'])).toBe(false);
  });
});
