import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { testInfrastructure } from '@gatehouse/testing';

export { startBrokerProxy, type BrokerProxy } from '@gatehouse/testing';

/** A plain broker connection for arranging and asserting, outside the code under test. */
export interface BrokerProbe {
  readonly channel: Channel;
  /** Declares a queue of the test's own bound to `routingKeys` on `exchange`. */
  bindQueue(queue: string, exchange: string, routingKeys: readonly string[]): Promise<void>;
  /** Waits until `count` messages sit in `queue` (or the timeout), then takes them all. */
  take(queue: string, count: number, timeoutMs?: number): Promise<GetMessage[]>;
  /** Deletes the named queues and exchanges, then disconnects. */
  close(cleanup: { queues?: readonly string[]; exchanges?: readonly string[] }): Promise<void>;
}

export async function openBrokerProbe(): Promise<BrokerProbe> {
  const connection: ChannelModel = await connect(testInfrastructure().amqpUrl);
  const channel = await connection.createChannel();
  const drainQueue = async (queue: string) => {
    const messages: GetMessage[] = [];
    for (let message = await channel.get(queue, { noAck: true }); message; message = await channel.get(queue, { noAck: true })) messages.push(message);
    return messages;
  };
  return {
    channel,
    async bindQueue(queue, exchange, routingKeys) {
      await channel.assertExchange(exchange, 'topic', { durable: true });
      await channel.assertQueue(queue, { durable: false });
      for (const key of routingKeys) await channel.bindQueue(queue, exchange, key);
    },
    async take(queue, count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { messageCount } = await channel.checkQueue(queue);
        if (messageCount >= count) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return drainQueue(queue);
    },
    async close(cleanup) {
      for (const queue of cleanup.queues ?? []) await channel.deleteQueue(queue);
      for (const exchange of cleanup.exchanges ?? []) await channel.deleteExchange(exchange);
      await connection.close();
    },
  };
}

export { eventually } from '@gatehouse/testing';
