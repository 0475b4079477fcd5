import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from '@gatehouse/logger';
import { backoffDelay } from './backoff';
import { TopologyMismatchError, type QueueType } from './topology';

/** How queues are declared on this broker: the same for every setup of a connection. */
export interface TopologySettings {
  readonly queueType: QueueType;
}

/** Runs on every (re)connect with the fresh channel: declare topology, start consuming … */
export type ChannelSetup = (channel: ConfirmChannel, topology: TopologySettings) => Promise<void>;

export interface AmqpConnectionOptions {
  readonly url: string;
  readonly logger: Logger;
  /** Shown in the broker's connection list. */
  readonly name: string;
  readonly reconnectBaseDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** Unacknowledged deliveries per consumer. */
  readonly prefetch?: number;
  /** Detects a silently dropped link (no FIN) within about twice this; unless the URL sets one (default 15 s). */
  readonly heartbeatSeconds?: number;
  /** The type of the queues consumers declare through this connection (default `classic`). */
  readonly queueType?: QueueType;
}

export interface AmqpConnection {
  /** True while a channel is open and every setup has run on it; read by the `gatehouse_broker_connected` gauge. */
  isConnected(): boolean;
  /** The open confirm channel (also while setups run), or undefined while the broker is away. */
  channel(): ConfirmChannel | undefined;
  /** Adds a setup; it runs now when connected, and again after every reconnect. */
  onConnected(setup: ChannelSetup): Promise<void>;
  /** Resolves once connected (or rejects after `timeoutMs`). */
  waitUntilConnected(timeoutMs: number): Promise<void>;
  /** Closes the channel and connection and stops reconnecting. */
  close(): Promise<void>;
}

/**
 * One broker connection with one confirm channel that reconnects with exponential back-off
 * whenever the broker restarts or the network drops, re-running every registered setup.
 */
export function createAmqpConnection(options: AmqpConnectionOptions): AmqpConnection {
  const baseDelay = options.reconnectBaseDelayMs ?? 500;
  const maxDelay = options.reconnectMaxDelayMs ?? 30_000;
  const setups: ChannelSetup[] = [];
  let model: ChannelModel | undefined;
  let current: ConfirmChannel | undefined;
  let ready = false;
  let closing = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let waiters: (() => void)[] = [];
  const topology: TopologySettings = { queueType: options.queueType ?? 'classic' };
  const url = new URL(options.url);
  if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(options.heartbeatSeconds ?? 15));

  const scheduleReconnect = () => {
    if (closing || timer) return;
    attempt += 1;
    const delay = backoffDelay(attempt, baseDelay, maxDelay);
    options.logger.warn({ attempt, delayMs: delay }, 'broker unavailable, reconnecting');
    timer = setTimeout(() => {
      timer = undefined;
      void open();
    }, delay);
  };

  const lost = (error?: unknown) => {
    if (!current && !model) return;
    if (error) options.logger.warn({ err: error }, 'broker connection lost');
    ready = false;
    current = undefined;
    const old = model;
    model = undefined;
    void old?.close().catch(() => undefined);
    scheduleReconnect();
  };

  const open = async () => {
    try {
      const connection = await connect(url.toString(), { clientProperties: { connection_name: options.name } });
      model = connection;
      connection.on('error', (error: unknown) => options.logger.warn({ err: error }, 'broker connection error'));
      connection.on('close', () => lost());
      const channel = await connection.createConfirmChannel();
      channel.on('error', (error: unknown) => options.logger.warn({ err: error }, 'broker channel error'));
      // A closed channel on an open connection (e.g. a failed declare) is a lost connection too.
      channel.on('close', () => lost());
      await channel.prefetch(options.prefetch ?? 10);
      current = channel;
      for (const setup of setups) await setup(channel, topology);
      if (closing) return;
      ready = true;
      attempt = 0;
      options.logger.info('broker connected');
      const resolved = waiters;
      waiters = [];
      for (const resolve of resolved) resolve();
    } catch (error) {
      if (closing) return;
      // Reconnecting cannot fix a refused declaration: an operator has to, so say it loudly.
      if (error instanceof TopologyMismatchError) options.logger.error({ err: error, queue: error.queue }, 'the broker refused a queue declaration');
      else options.logger.warn({ err: error }, 'broker connection failed');
      if (model || current) lost();
      else scheduleReconnect();
    }
  };

  void open();

  return {
    isConnected: () => ready,
    channel: () => current,
    async onConnected(setup) {
      setups.push(setup);
      if (ready && current) await setup(current, topology);
    },
    waitUntilConnected(timeoutMs) {
      if (ready) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`broker not connected within ${timeoutMs} ms`)), timeoutMs);
        waiters.push(() => {
          clearTimeout(timeout);
          resolve();
        });
      });
    },
    async close() {
      closing = true;
      ready = false;
      clearTimeout(timer);
      const old = model;
      model = undefined;
      current = undefined;
      await old?.close().catch(() => undefined);
    },
  };
}
