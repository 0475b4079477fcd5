import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import express from 'express';
import type { Pool } from 'pg';
import { createPool, migrate } from '@gatehouse/db';
import { createAmqpConnection, deleteConsumerQueue } from '@gatehouse/events';
import { createJwksVerifier, type JwksVerifier } from '@gatehouse/jwt';
import { createLogger } from '@gatehouse/logger';
import {
  captureLogs,
  createTestDatabase,
  serveOnFreePort,
  startTcpProxy,
  testInfrastructure,
  uniqueName,
  type RunningServer,
  type TcpProxy,
  endPool,
  signTestJwt,
} from '@gatehouse/testing';
import { createApp, type UserApp } from '../src/app';
import { loadUserConfig, type UserConfig } from '../src/config';
import { MIGRATIONS_DIR } from '../src/infrastructure';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { e, n } = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint, the kid auth publishes.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
  return { kid, privateKey, publicKey };
}

/** The auth service's JWKS endpoint, reduced to one key. */
async function serveJwks(key: SigningKey): Promise<RunningServer> {
  const app = express();
  const body = { keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, use: 'sig', alg: 'RS256' }] };
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.json(body);
  });
  return serveOnFreePort(app);
}

export interface Identity {
  readonly sub: string;
  readonly email: string;
  readonly name: string | null;
  readonly roles: string[];
  readonly emailVerified?: boolean;
}

let counter = 0;
/** A fresh account as auth would describe it. */
export function newIdentity(overrides: Partial<Identity> = {}): Identity {
  counter += 1;
  return { sub: randomUUID(), email: `user.${counter}.${Date.now()}@example.com`, name: `User ${counter}`, roles: ['user'], ...overrides };
}

export const newAdmin = (overrides: Partial<Identity> = {}) => newIdentity({ roles: ['user', 'admin'], ...overrides });

/** A real RS256 access token shaped exactly like the ones auth issues. */
export function mintToken(identity: Identity, key: SigningKey, options: { expiresInSeconds?: number } = {}): string {
  const iat = Math.floor(Date.now() / 1000);
  return signTestJwt(
    {
      sub: identity.sub,
      email: identity.email,
      name: identity.name,
      roles: identity.roles,
      email_verified: identity.emailVerified ?? true,
      sid: randomUUID(),
      jti: randomUUID(),
      iss: 'gatehouse',
      aud: 'gatehouse-api',
      iat,
      exp: iat + (options.expiresInSeconds ?? 900),
    },
    key.privateKey,
    { typ: 'at+jwt', kid: key.kid },
  );
}

/** An OAuth client as auth registers it: the roles and scopes its tokens carry. */
export interface ServiceClient {
  readonly clientId: string;
  readonly roles: string[];
  readonly scopes: string[];
}

export function newServiceClient(overrides: Partial<ServiceClient> = {}): ServiceClient {
  return { clientId: `svc_${randomBytes(16).toString('base64url')}`, roles: ['admin'], scopes: ['users:read', 'users:write'], ...overrides };
}

/** A real RS256 client credentials token shaped like auth's: `client_id` = `sub`, a scope, no user claims. */
export function mintServiceToken(client: ServiceClient, key: SigningKey): string {
  const iat = Math.floor(Date.now() / 1000);
  return signTestJwt(
    {
      sub: client.clientId,
      client_id: client.clientId,
      scope: client.scopes.join(' '),
      roles: client.roles,
      jti: randomUUID(),
      iss: 'gatehouse',
      aud: 'gatehouse-api',
      iat,
      exp: iat + 900,
    },
    key.privateKey,
    { typ: 'at+jwt', kid: key.kid },
  );
}

export interface UserHarness {
  readonly url: string;
  readonly config: Readonly<UserConfig>;
  /** A direct pool for arranging and asserting; also the service's unless `proxyDatabase`. */
  readonly pool: Pool;
  /** The proxy between the service and PostgreSQL, when started with `proxyDatabase`. */
  readonly databaseProxy?: TcpProxy;
  readonly key: SigningKey;
  readonly user: UserApp;
  readonly logs: ReturnType<typeof captureLogs>;
  /** Moves the injected clock forward. */
  advance(ms: number): void;
  /** Stops the injected clock until `thaw`, so rows can share one creation instant. */
  freeze(): void;
  thaw(): void;
  /** Token of `identity`, signed by the harness's key unless another is given. */
  token(identity: Identity, key?: SigningKey): string;
  /** Client credentials token of `client`, signed by the harness's key. */
  serviceToken(client: ServiceClient): string;
  request(method: string, path: string, options?: { identity?: Identity; token?: string; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export interface StartUserOptions {
  /** Start without waiting for the JWKS, e.g. when `JWKS_URL` points where the issuer is not up yet. Default true. */
  readonly waitForJwks?: boolean;
  /** Routes the service's PostgreSQL pool through a proxy the test can cut (`databaseProxy`). */
  readonly proxyDatabase?: boolean;
}

/**
 * A real user service for one test file: its own database, exchange and queues, a JWKS served
 * in-process with a key made for this file, and a real verifier pointed at it. Retry delays are
 * tiny so a retried event comes back within milliseconds.
 */
export async function startUser(label: string, env: Record<string, string> = {}, options: StartUserOptions = {}): Promise<UserHarness> {
  const database = await createTestDatabase(`user_${label}`);
  const databaseProxy = options.proxyDatabase ? await startTcpProxy(database.url) : undefined;
  const key = newSigningKey();
  const jwks = await serveJwks(key);
  const config = loadUserConfig({
    LOG_LEVEL: 'debug',
    DATABASE_URL: database.url,
    JWKS_URL: `${jwks.url}/.well-known/jwks.json`,
    AMQP_URL: testInfrastructure().amqpUrl,
    EVENTS_EXCHANGE: uniqueName(`user_${label}_events`),
    EVENTS_QUEUE_PREFIX: uniqueName(`user_${label}`),
    EVENT_RETRY_BASE_DELAY_MS: '20',
    ...env,
  });
  const pool = createPool({ url: database.url, applicationName: 'user-test' });
  await migrate(pool, MIGRATIONS_DIR);
  const servicePool = databaseProxy ? createPool({ url: databaseProxy.url, applicationName: 'user-test' }) : pool;
  const logs = captureLogs();
  const logger = createLogger({ service: 'user', level: 'debug', destination: logs.stream });
  const verifier: JwksVerifier = createJwksVerifier({
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    logger,
    refreshIntervalMs: 0,
  });
  if (options.waitForJwks ?? true) await verifier.refresh();
  let offset = 0;
  let frozenAt: number | undefined;
  const connection = createAmqpConnection({ url: config.AMQP_URL, logger, name: 'user-test' });
  await connection.waitUntilConnected(5000);
  const user = createApp(config, { pool: servicePool, verifier, connection, logger, clock: () => (frozenAt ?? Date.now()) + offset });
  await user.start();
  const server = await serveOnFreePort(user.app);
  const token = (identity: Identity, signer = key) => mintToken(identity, signer);
  return {
    url: server.url,
    config,
    pool,
    databaseProxy,
    key,
    user,
    logs,
    advance: (ms) => {
      offset += ms;
    },
    freeze: () => {
      frozenAt = Date.now();
    },
    thaw: () => {
      frozenAt = undefined;
    },
    token,
    serviceToken: (client) => mintServiceToken(client, key),
    request: (method, path, options = {}) => {
      const bearer = options.token ?? (options.identity ? token(options.identity) : undefined);
      return fetch(`${server.url}${path}`, {
        method,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    },
    async close() {
      await user.stop();
      await server.close();
      await removeTopology(config);
      await connection.close();
      await jwks.close();
      verifier.close();
      if (servicePool !== pool) await endPool(servicePool);
      await endPool(pool);
      await databaseProxy?.close();
      await database.drop();
    },
  };
}

/** Deletes this file's queues and exchange over a link of its own (the service's may be cut). */
async function removeTopology(config: Readonly<UserConfig>): Promise<void> {
  const admin = createAmqpConnection({
    url: testInfrastructure().amqpUrl,
    logger: createLogger({ service: 'user-test', level: 'silent' }),
    name: 'user-test-cleanup',
  });
  try {
    await admin.waitUntilConnected(5000);
    const channel = admin.channel()!;
    await deleteConsumerQueue(channel, `${config.EVENTS_QUEUE_PREFIX}.profile-events`, config.EVENT_MAX_ATTEMPTS);
    await channel.deleteExchange(config.EVENTS_EXCHANGE);
  } finally {
    await admin.close();
  }
}

export interface ProfileBody {
  id: string;
  email: string;
  name: string | null;
  bio: string | null;
  avatarUrl: string | null;
  locale: string | null;
  roles: string[];
  emailVerified: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ProblemBody {
  status: number;
  code: string;
  errors?: { path: string; message: string }[];
}
