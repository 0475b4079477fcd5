import type { ClientBase, Pool } from 'pg';
import { withTransaction } from '@gatehouse/db';
import { createProcessedEvents, insertOutboxEvent } from '@gatehouse/events';
import type { Caller, Profile, ProfileChanges, ProfileEventLog, ProfileStore, ProfileWrites } from '../domain/user.ports';

interface ProfileRow {
  id: string;
  email: string;
  name: string | null;
  bio: string | null;
  avatar_url: string | null;
  locale: string | null;
  roles: string[];
  email_verified: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, email, name, bio, avatar_url, locale, roles, email_verified, created_at, updated_at';

/** The only columns an update may touch; keys come from here, never from the request. */
const CHANGEABLE: Readonly<Record<keyof ProfileChanges, string>> = {
  name: 'name',
  bio: 'bio',
  avatarUrl: 'avatar_url',
  locale: 'locale',
};

function toProfile(row: ProfileRow): Profile {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    bio: row.bio,
    avatarUrl: row.avatar_url,
    locale: row.locale,
    roles: row.roles,
    emailVerified: row.email_verified,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The writes event handlers make, on a pool or on the client of an open transaction. */
function profileWrites(db: Pick<ClientBase, 'query'>): ProfileWrites {
  return {
    async createIfAbsent(caller: Caller, now: Date) {
      await db.query(
        `INSERT INTO profiles (id, email, name, roles, email_verified, created_at, updated_at)
         SELECT $1, $2, $3, $4, $5, $6, $6
         WHERE NOT EXISTS (SELECT 1 FROM deleted_profiles WHERE id = $1)
         ON CONFLICT (id) DO NOTHING`,
        [caller.id, caller.email, caller.name, caller.roles, caller.emailVerified, now],
      );
    },
    async markEmailVerified(id, now) {
      const { rowCount } = await db.query('UPDATE profiles SET email_verified = true, updated_at = $2 WHERE id = $1 AND NOT email_verified', [id, now]);
      if (rowCount === 1) return true;
      const { rowCount: existing } = await db.query('SELECT 1 FROM profiles WHERE id = $1', [id]);
      return existing === 1;
    },
  };
}

/** `processed_events` of one consumer, handing its effect the profile writes of the same transaction. */
export function createProfileEventLog(pool: Pool, consumer: string): ProfileEventLog {
  const processed = createProcessedEvents(pool, consumer);
  return {
    once: (eventId, effect) => processed.once(eventId, (client) => effect(profileWrites(client))),
  };
}

export function createProfileStore(pool: Pool): ProfileStore {
  return {
    ...profileWrites(pool),
    async findById(id) {
      const { rows } = await pool.query<ProfileRow>(`SELECT ${COLUMNS} FROM profiles WHERE id = $1`, [id]);
      return rows[0] ? toProfile(rows[0]) : undefined;
    },
    async wasDeleted(id) {
      const { rowCount } = await pool.query('SELECT 1 FROM deleted_profiles WHERE id = $1', [id]);
      return rowCount === 1;
    },
    async update(id, changes, now) {
      const assignments: string[] = [];
      const values: unknown[] = [id, now];
      for (const [field, column] of Object.entries(CHANGEABLE) as [keyof ProfileChanges, string][]) {
        if (changes[field] === undefined) continue;
        values.push(changes[field]);
        assignments.push(`${column} = $${values.length}`);
      }
      const { rows } = await pool.query<ProfileRow>(
        `UPDATE profiles SET ${[...assignments, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
        values,
      );
      return rows[0] ? toProfile(rows[0]) : undefined;
    },
    async listAfter(after, limit) {
      const { rows } = after
        ? await pool.query<ProfileRow>(`SELECT ${COLUMNS} FROM profiles WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3`, [
            after.createdAt,
            after.id,
            limit,
          ])
        : await pool.query<ProfileRow>(`SELECT ${COLUMNS} FROM profiles ORDER BY created_at, id LIMIT $1`, [limit]);
      return rows.map(toProfile);
    },
    deleteGuarded: (id, guard, announcements) =>
      withTransaction(pool, async (client) => {
        // Locking every admin row (in one order, so concurrent deletes queue instead of
        // deadlocking) makes the count below hold until we commit.
        const admins = await client.query(`SELECT id FROM profiles WHERE 'admin' = ANY (roles) ORDER BY id FOR UPDATE`);
        const { rows } = await client.query<ProfileRow>(`SELECT ${COLUMNS} FROM profiles WHERE id = $1 FOR UPDATE`, [id]);
        // Nothing written yet: committing only lets the locks go.
        if (!rows[0]) return false;
        guard(toProfile(rows[0]), admins.rowCount ?? 0);
        await client.query('DELETE FROM profiles WHERE id = $1', [id]);
        await client.query('INSERT INTO deleted_profiles (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [id]);
        for (const announcement of announcements) await insertOutboxEvent(client, announcement);
        return true;
      }),
  };
}
