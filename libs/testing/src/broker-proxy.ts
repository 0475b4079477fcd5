import { testInfrastructure } from './infrastructure';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/** A TCP proxy in front of the shared broker that a test can cut and heal. */
export type BrokerProxy = TcpProxy;

export function startBrokerProxy(): Promise<BrokerProxy> {
  return startTcpProxy(testInfrastructure().amqpUrl);
}
