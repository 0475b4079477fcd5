import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { testInfrastructure, uniqueName } from '@gatehouse/testing';
import { createPool, dropDatabase, withDatabase } from './database';
import { migrate } from './migrate';
import { prepareDatabase } from './prepare-database';

const PASSWORD = 'role-test-password';
const ddlRole = uniqueName('gh_ddl');
const runtimeRole = uniqueName('gh_app');
const databaseUrl = asRole(withDatabase(testInfrastructure().postgresUrl, uniqueName('gh_test_roles')), ddlRole);

/** The same server and database, logged in as `role` (the password matters only off `trust`). */
function asRole(url: string, role: string): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = PASSWORD;
  return parsed.toString();
}

let admin: Pool;
let directory: string;
let runtime: Pool;
beforeAll(async () => {
  admin = createPool({ url: testInfrastructure().postgresUrl, applicationName: 'roles-test-admin' });
  await admin.query(`CREATE ROLE ${ddlRole} LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
  await admin.query(`CREATE ROLE ${runtimeRole} LOGIN PASSWORD '${PASSWORD}'`);
  directory = await mkdtemp(join(tmpdir(), 'gh-migrations-'));
  await writeFile(join(directory, '0001_items.sql'), 'CREATE TABLE items (id bigserial PRIMARY KEY, label text NOT NULL);');
  await prepareDatabase({ url: databaseUrl, create: true, migrationsDirectory: directory, runtimeRole, applicationName: 'roles-test-migrate' });
  runtime = createPool({ url: asRole(databaseUrl, runtimeRole), applicationName: 'roles-test-runtime' });
});
afterAll(async () => {
  await runtime.end();
  await dropDatabase(asRole(databaseUrl, 'postgres'));
  await admin.query(`DROP ROLE IF EXISTS ${runtimeRole}`);
  await admin.query(`DROP ROLE IF EXISTS ${ddlRole}`);
  await admin.end();
});

describe('prepareDatabase with a runtime role', () => {
  it('when the DDL role has migrated, then the runtime role reads and writes rows through the sequence', async () => {
    await runtime.query("INSERT INTO items (label) VALUES ('first')");
    await runtime.query("UPDATE items SET label = 'renamed' WHERE label = 'first'");

    const { rows } = await runtime.query<{ label: string }>('SELECT label FROM items');

    expect(rows).toEqual([{ label: 'renamed' }]);
  });

  it('when the runtime role tries DDL, then CREATE TABLE and DROP TABLE are refused', async () => {
    await expect(runtime.query('CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied/);
    await expect(runtime.query('DROP TABLE items')).rejects.toThrow(/must be owner/);
    await expect(runtime.query('ALTER TABLE items ADD COLUMN extra int')).rejects.toThrow(/must be owner/);
  });

  it('when the runtime role tries to change the record of applied migrations, then it is refused', async () => {
    await expect(runtime.query('DELETE FROM schema_migrations')).rejects.toThrow(/permission denied for table schema_migrations/);
    await expect(runtime.query("INSERT INTO schema_migrations (name) VALUES ('9999_fake.sql')")).rejects.toThrow(/permission denied/);
  });

  it('when the runtime role named is the DDL role itself, then preparing fails saying so', async () => {
    const prepare = prepareDatabase({
      url: databaseUrl,
      create: false,
      migrationsDirectory: directory,
      runtimeRole: ddlRole,
      applicationName: 'roles-test-migrate',
    });

    await expect(prepare).rejects.toThrow(`The runtime role ${ddlRole} is the role that runs the migrations`);
  });

  it('when a later migration adds a table, then the runtime role may use it without another grant', async () => {
    await writeFile(join(directory, '0002_tags.sql'), 'CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);');
    const ddl = createPool({ url: databaseUrl, applicationName: 'roles-test-migrate' });
    try {
      expect((await migrate(ddl, directory)).applied).toEqual(['0002_tags.sql']);
    } finally {
      await ddl.end();
    }

    await runtime.query("INSERT INTO tags (name) VALUES ('new')");

    expect((await runtime.query('SELECT name FROM tags')).rows).toEqual([{ name: 'new' }]);
  });
});

describe('prepareDatabase on a schema public that PUBLIC may create in (PostgreSQL 14 and older, or upgraded from one)', () => {
  const superuser = new URL(testInfrastructure().postgresUrl).username;
  const legacy: string[] = [];

  /**
   * What PostgreSQL 14 created, and an upgrade keeps: schema public owned by the superuser and
   * CREATE on it for everyone. The DDL role migrates through that grant. Returns an admin pool.
   */
  async function legacyDatabase(): Promise<{ url: string; admin: Pool }> {
    const name = uniqueName('gh_test_legacy_public');
    legacy.push(name);
    await admin.query(`CREATE DATABASE ${name}`);
    const own = createPool({ url: withDatabase(testInfrastructure().postgresUrl, name), applicationName: 'roles-test-legacy-admin' });
    await own.query(`ALTER SCHEMA public OWNER TO ${superuser}`);
    await own.query('GRANT CREATE ON SCHEMA public TO PUBLIC');
    return { url: asRole(withDatabase(databaseUrl, name), ddlRole), admin: own };
  }

  const prepare = (url: string) => prepareDatabase({ url, create: false, migrationsDirectory: directory, runtimeRole, applicationName: 'roles-test-migrate' });

  afterAll(async () => {
    for (const name of legacy) await dropDatabase(withDatabase(testInfrastructure().postgresUrl, name));
  });

  it('when the DDL role does not own schema public, then the grant fails naming the fix, and the runtime role is granted nothing', async () => {
    const { url, admin: own } = await legacyDatabase();
    try {
      const failure = prepare(url);

      await expect(failure).rejects.toThrow(`The runtime role ${runtimeRole} can still create objects in schema public`);
      await expect(failure).rejects.toThrow(`ALTER SCHEMA "public" OWNER TO "${ddlRole}";`);
      const { rows } = await own.query("SELECT has_table_privilege($1, 'items', 'SELECT') AS reads", [runtimeRole]);
      expect(rows).toEqual([{ reads: false }]);
    } finally {
      await own.end();
    }
  });

  it('when the administrator has made the DDL role the owner of schema public, then the runtime role can no longer create tables there', async () => {
    const { url, admin: own } = await legacyDatabase();
    await own.query(`ALTER SCHEMA public OWNER TO ${ddlRole}`);
    await own.end();

    await prepare(url);

    const legacyRuntime = createPool({ url: asRole(url, runtimeRole), applicationName: 'roles-test-legacy-runtime' });
    try {
      await expect(legacyRuntime.query('CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied for schema public/);
      expect((await legacyRuntime.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 0 }]);
    } finally {
      await legacyRuntime.end();
    }
  });
});
