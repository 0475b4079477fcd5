import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { testInfrastructure, uniqueName } from '@gatehouse/testing';
import { createPool, dropDatabase, withDatabase } from './database';
import { prepareDatabase } from './prepare-database';

const PASSWORD = 'role-test-password';
const ddlRole = uniqueName('gh_ddl_marks');
const runtimeRole = uniqueName('gh_app_marks');
const strangerRole = uniqueName('gh_stranger');

/** The same server and database, logged in as `role`. */
function asRole(url: string, role: string): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = PASSWORD;
  return parsed.toString();
}

const databaseUrl = asRole(withDatabase(testInfrastructure().postgresUrl, uniqueName('gh_test_marks')), ddlRole);

/** A migration using every mark grantDataRights reads, and the same shapes unmarked. */
const MIGRATION = `
CREATE TABLE limits (max_items integer NOT NULL);
INSERT INTO limits VALUES (10);
COMMENT ON TABLE limits IS 'owner-only: bounds what the runtime may do';
CREATE TABLE notes (body text NOT NULL);
CREATE FUNCTION max_items() RETURNS integer LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS 'SELECT max_items FROM public.limits';
REVOKE ALL ON FUNCTION max_items() FROM PUBLIC;
COMMENT ON FUNCTION max_items() IS 'runtime-executable: reads the owner-only limit';
CREATE FUNCTION reset_limit() RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS 'UPDATE public.limits SET max_items = 0';
REVOKE ALL ON FUNCTION reset_limit() FROM PUBLIC;
`;

let admin: Pool;
const pools: Pool[] = [];
const connect = (role: string) => {
  const pool = createPool({ url: asRole(databaseUrl, role), applicationName: 'marks-test' });
  pools.push(pool);
  return pool;
};

beforeAll(async () => {
  admin = createPool({ url: testInfrastructure().postgresUrl, applicationName: 'marks-test-admin' });
  for (const [role, extra] of [
    [ddlRole, ' CREATEDB'],
    [runtimeRole, ''],
    [strangerRole, ''],
  ])
    await admin.query(`CREATE ROLE ${role} LOGIN${extra} PASSWORD '${PASSWORD}'`);
  const directory = await mkdtemp(join(tmpdir(), 'gh-marks-'));
  await writeFile(join(directory, '0001_marks.sql'), MIGRATION);
  await prepareDatabase({ url: databaseUrl, create: true, migrationsDirectory: directory, runtimeRole, applicationName: 'marks-test-migrate' });
});
afterAll(async () => {
  for (const pool of pools) await pool.end();
  await dropDatabase(asRole(databaseUrl, 'postgres'));
  for (const role of [runtimeRole, strangerRole, ddlRole]) await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
});

describe('grantDataRights and the marks a migration leaves', () => {
  it('when a table is marked owner-only, then the runtime role can neither read nor change it; unmarked tables it uses as before', async () => {
    const runtime = connect(runtimeRole);

    for (const statement of ['SELECT * FROM limits', 'UPDATE limits SET max_items = 0', 'DELETE FROM limits', 'INSERT INTO limits VALUES (1)']) {
      await expect(runtime.query(statement)).rejects.toMatchObject({ code: '42501' });
    }
    await runtime.query("INSERT INTO notes VALUES ('kept')");
    expect((await runtime.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
  });

  it('when a function is marked runtime-executable, then the runtime role may call it; an unmarked one revoked from PUBLIC it may not', async () => {
    const runtime = connect(runtimeRole);

    expect((await runtime.query('SELECT max_items() AS n')).rows).toEqual([{ n: 10 }]);
    await expect(runtime.query('SELECT reset_limit()')).rejects.toMatchObject({ code: '42501' });
  });

  it('when any other role calls the marked function, then permission is denied: the grant names the runtime role only', async () => {
    await expect(connect(strangerRole).query('SELECT max_items()')).rejects.toMatchObject({ code: '42501' });
  });
});
