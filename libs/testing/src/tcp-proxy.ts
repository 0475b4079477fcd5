import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of one server (PostgreSQL, Redis, RabbitMQ …) that a test can cut and heal. */
export interface TcpProxy {
  /** The target URL with the proxy's host and port; credentials, path and query are kept. */
  readonly url: string;
  /**
   * Drops every open connection and refuses new ones. With `reset`, open connections are
   * aborted with a TCP RST (as a crashed host or a middlebox does) instead of a FIN.
   */
  cut(options?: { readonly reset?: boolean }): Promise<void>;
  /** Accepts connections again on the same port. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

/** The port each scheme implies when its URL names none. */
const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'rediss:': 6379,
  'amqp:': 5672,
  'amqps:': 5671,
};

function targetOf(url: URL): { host: string; port: number } {
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
  if (!port) throw new Error(`No port in ${url.protocol}// URL and no default known for it`);
  // URL keeps the brackets around an IPv6 host; net.connect wants the bare address.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/** Starts a loopback proxy to the server of `targetUrl` (postgres://, redis://, amqp:// …). */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = targetOf(new URL(targetUrl));
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      const next = createServer((client) => {
        const upstream = tcpConnect(target.port, target.host);
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
      // Port 0 the first time; the same port on heal, so clients reconnect to the URL they have.
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as AddressInfo).port;
        server = next;
        resolve();
      });
    });
  const stop = (options: { readonly reset?: boolean } = {}) =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) {
        if (options.reset) socket.resetAndDestroy();
        else socket.destroy();
      }
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), cut: stop, heal: listen, close: () => stop() };
}
