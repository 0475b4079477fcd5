import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Pool } from 'pg';
import { createPool } from '@gatehouse/db';
import { isDependencyFailure } from '@gatehouse/http';
import { createTestDatabase, endPool, startTcpProxy, type TcpProxy, type TestDatabase } from '../src';

/** The error `promise` rejects with; fails the test when it resolves. */
const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

let database: TestDatabase;
let direct: Pool;
beforeAll(async () => {
  database = await createTestDatabase('dependency_failure_pg');
  direct = createPool({ url: database.url, applicationName: 'dependency-failure-direct' });
  await direct.query('CREATE TABLE IF NOT EXISTS taken (email text PRIMARY KEY)');
});
afterAll(async () => {
  await endPool(direct);
  await database.drop();
});

describe('isDependencyFailure with a pg pool from createPool', () => {
  let proxy: TcpProxy;
  let pool: Pool;
  beforeEach(async () => {
    proxy = await startTcpProxy(database.url);
    pool = createPool({ url: proxy.url, applicationName: 'dependency-failure-test' });
  });
  afterEach(async () => {
    await proxy.close();
    await pool.end();
  });

  it('when the server refuses new connections, then the ECONNREFUSED is a dependency failure', async () => {
    await proxy.cut();

    const error = await rejectionOf(pool.query('SELECT 1'));

    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isDependencyFailure(error)).toBe(true);
  });

  it('when the connection is cut during a query, then "Connection terminated unexpectedly" is a dependency failure', async () => {
    const query = rejectionOf(pool.query('SELECT pg_sleep(5)'));
    await new Promise((resolve) => setTimeout(resolve, 200));

    await proxy.cut();
    const error = await query;

    expect(error).toMatchObject({ message: 'Connection terminated unexpectedly' });
    expect(isDependencyFailure(error)).toBe(true);
  });

  it('when the connection is reset during a query, then the ECONNRESET is a dependency failure', async () => {
    const query = rejectionOf(pool.query('SELECT pg_sleep(5)'));
    await new Promise((resolve) => setTimeout(resolve, 200));

    await proxy.cut({ reset: true });
    const error = await query;

    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(isDependencyFailure(error)).toBe(true);
  });

  it('when the connection of a transaction is cut, then the ROLLBACK that follows fails as a dependency failure too', async () => {
    const client = await pool.connect();
    client.on('error', () => undefined);
    await client.query('BEGIN');
    const query = rejectionOf(client.query('SELECT pg_sleep(5)'));
    await new Promise((resolve) => setTimeout(resolve, 200));

    await proxy.cut();
    const failed = await query;
    const rollback = await rejectionOf(client.query('ROLLBACK'));
    client.release(true);

    expect(failed).toMatchObject({ message: 'Connection terminated unexpectedly' });
    expect(rollback).toMatchObject({ message: 'Client has encountered a connection error and is not queryable' });
    expect(isDependencyFailure(rollback)).toBe(true);
  });

  it('when the server terminates the session, then SQLSTATE 57P01 is a dependency failure', async () => {
    const client = await pool.connect();
    client.on('error', () => undefined);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const query = rejectionOf(client.query('SELECT pg_sleep(5)'));
    await new Promise((resolve) => setTimeout(resolve, 200));

    await direct.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    const error = await query;
    client.release(true);

    expect(error).toMatchObject({ code: '57P01' });
    expect(isDependencyFailure(error)).toBe(true);
  });

  it('when statements fail on a healthy server, then they are not dependency failures', async () => {
    await direct.query("INSERT INTO taken (email) VALUES ('a@example.com') ON CONFLICT DO NOTHING");

    const syntax = await rejectionOf(pool.query('SELEC 1'));
    const duplicate = await rejectionOf(pool.query("INSERT INTO taken (email) VALUES ('a@example.com')"));

    expect(syntax).toMatchObject({ code: '42601' });
    expect(duplicate).toMatchObject({ code: '23505' });
    expect(isDependencyFailure(syntax)).toBe(false);
    expect(isDependencyFailure(duplicate)).toBe(false);
    expect(isDependencyFailure(new Error('boom'))).toBe(false);
    expect(isDependencyFailure(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDependencyFailure(undefined)).toBe(false);
    expect(isDependencyFailure('ECONNREFUSED')).toBe(false);
  });
});

describe('isDependencyFailure with a pg pool facing a server that accepts but never answers', () => {
  let silent: Server;
  const accepted = new Set<Socket>();
  beforeAll(async () => {
    silent = createServer((socket) => {
      accepted.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('then both the connect timeout and the wait for a pooled connection are dependency failures', async () => {
    const { port } = silent.address() as AddressInfo;
    const url = new URL(database.url);
    url.port = String(port);
    const pool = createPool({ url: url.toString(), applicationName: 'dependency-failure-silent', max: 1 });

    const [connecting, waiting] = await Promise.all([rejectionOf(pool.query('SELECT 1')), rejectionOf(pool.query('SELECT 1'))]);
    await pool.end();

    expect(connecting).toMatchObject({ message: 'Connection terminated due to connection timeout' });
    expect(waiting).toMatchObject({ message: 'timeout exceeded when trying to connect' });
    expect(isDependencyFailure(connecting)).toBe(true);
    expect(isDependencyFailure(waiting)).toBe(true);
  });
});

describe("isDependencyFailure with pg's query_timeout", () => {
  it('when the server does not answer a query in time, then "Query read timeout" is a dependency failure', async () => {
    // createPool gives a silent server 15 s; a busy backend and a shorter limit show the same error sooner.
    const pool = new Pool({ connectionString: database.url, query_timeout: 100 });

    const error = await rejectionOf(pool.query('SELECT pg_sleep(2)'));
    await pool.end();

    expect(error).toMatchObject({ message: 'Query read timeout' });
    expect(isDependencyFailure(error)).toBe(true);
  });
});
