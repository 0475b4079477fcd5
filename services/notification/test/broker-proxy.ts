import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { testInfrastructure } from '@gatehouse/testing';

/** A TCP proxy in front of the shared broker: `cut()` drops the link, `heal()` restores it. */
export async function startBrokerProxy(): Promise<{ url: string; cut(): Promise<void>; heal(): Promise<void> }> {
  const target = new URL(testInfrastructure().amqpUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const heal = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(Number(target.port || 5672), target.hostname);
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
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await heal();
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), cut, heal };
}
