import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { testInfrastructure } from '@gatehouse/testing';

/** A TCP proxy in front of the shared broker that a test can cut and heal. */
export interface BrokerProxy {
  readonly url: string;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

export async function startBrokerProxy(): Promise<BrokerProxy> {
  const target = new URL(testInfrastructure().amqpUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = tcpConnect(Number(target.port || 5672), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as AddressInfo).port;
        server = next;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), cut: stop, heal: listen, close: stop };
}

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

/** Polls `check` until it returns true or the timeout passes; returns the last answer. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}
