import { Gauge, type Registry } from 'prom-client';

/** What the gauge reads: an `AmqpConnection` fits. */
export interface BrokerLink {
  isConnected(): boolean;
}

/**
 * `gatehouse_broker_connected` (1 or 0), read at every scrape. The broker is not part of
 * readiness: the outbox keeps events while it is away, so its outages must page through metrics
 * and logs rather than take the API out of the load balancer.
 */
export function registerBrokerGauge(registry: Registry, link: BrokerLink): void {
  new Gauge({
    name: 'gatehouse_broker_connected',
    help: 'Whether the process has a working link to the message broker (1) or not (0)',
    registers: [registry],
    collect() {
      this.set(link.isConnected() ? 1 : 0);
    },
  });
}
