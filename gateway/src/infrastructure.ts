import { createAmqpConnection, type AmqpConnection } from '@gatehouse/events';
import type { JwksVerifier } from '@gatehouse/jwt';
import type { Logger } from '@gatehouse/logger';
import { revocationTtlSeconds, type GatewayConfig } from './config';
import { createGatewayVerifier } from './auth/create-verifier';
import { createDenyList, type DenyList } from './revocation/deny-list';
import { createRevocationFeed } from './revocation/revocation-feed';
import { createRevocationCatchUp, type RevocationCatchUp } from './revocation/revocation-catch-up';
import { recentRevocationsClient } from './revocation/recent-revocations.client';

export interface GatewayInfrastructure {
  readonly verifier: JwksVerifier;
  readonly denyList: DenyList;
  /** Whether the deny list has caught up with auth's revocation log once. */
  readonly revocations: Pick<RevocationCatchUp, 'synced'>;
  /** Absent when the revocation feed is off. */
  readonly connection: AmqpConnection | undefined;
  close(): Promise<void>;
}

export interface GatewayInfrastructureOptions {
  /** False: no broker and no catch-up; the deny list holds only what is put in it, and readiness is the JWKS's alone. Default true. */
  readonly revocationFeed?: boolean;
  /**
   * Waits this long for the broker, so the feed is subscribed when the call resolves (tests).
   * Without it the connection keeps retrying in the background and /readyz waits for the first catch-up.
   */
  readonly brokerWaitMs?: number;
  /** The deny list's clock; the verifier keeps the real one. */
  readonly now?: () => number;
}

/** Nothing to catch up without a feed. */
const ALWAYS_SYNCED: Pick<RevocationCatchUp, 'synced'> = { synced: () => true };

/**
 * Builds the verifier over auth's JWKS and the deny list, fed from the broker's revocation events
 * and caught up from auth's revocation log after every subscription.
 */
export async function connectInfrastructure(
  config: Readonly<GatewayConfig>,
  logger: Logger,
  options: GatewayInfrastructureOptions = {},
): Promise<GatewayInfrastructure> {
  const verifier = createGatewayVerifier(config, logger);
  const ttlSeconds = revocationTtlSeconds(config);
  const denyList = createDenyList({ ttlMs: ttlSeconds * 1000, ...(options.now ? { now: options.now } : {}) });
  if (options.revocationFeed === false) {
    return { verifier, denyList, revocations: ALWAYS_SYNCED, connection: undefined, close: async () => verifier.close() };
  }
  const catchUp = createRevocationCatchUp({
    fetchRecent: recentRevocationsClient({ authUrl: config.AUTH_SERVICE_URL, windowSeconds: ttlSeconds }),
    denyList,
    logger,
  });
  const connection = createAmqpConnection({ url: config.AMQP_URL, logger, name: 'gatehouse-gateway' });
  if (options.brokerWaitMs !== undefined) {
    await connection.waitUntilConnected(options.brokerWaitMs).catch(async (error: unknown) => {
      await connection.close();
      verifier.close();
      throw error;
    });
  }
  const feed = createRevocationFeed({ connection, exchange: config.EVENTS_EXCHANGE, denyList, catchUp, logger });
  await feed.start();
  return {
    verifier,
    denyList,
    revocations: catchUp,
    connection,
    async close() {
      await feed.stop();
      catchUp.stop();
      await connection.close();
      verifier.close();
    },
  };
}
