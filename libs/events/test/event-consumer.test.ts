import { randomUUID } from 'node:crypto';
import { createLogger } from '@gatehouse/logger';
import { captureLogs, testInfrastructure, uniqueName } from '@gatehouse/testing';
import {
  ATTEMPT_HEADER,
  consumerQueueNames,
  createAmqpConnection,
  createEvent,
  createEventConsumer,
  deleteConsumerQueue,
  declareConsumerQueue,
  publishEvent,
  QUORUM_DELIVERY_LIMIT,
  TopologyMismatchError,
  type AmqpConnection,
  type EventConsumer,
  type EventEnvelope,
  type EventHandler,
  type QueueType,
} from '../src';
import { eventually, openBrokerProbe, startBrokerProxy, type BrokerProbe } from './broker-fixtures';

const exchange = uniqueName('consumer_exchange');
const maxAttempts = 3;
const logs = captureLogs();
const logger = createLogger({ service: 'events-test', level: 'debug', destination: logs.stream });
const queueTypes: readonly QueueType[] = ['classic', 'quorum'];
/** One connection per queue type: the type is a setting of the connection, as in the services. */
const connections = new Map<QueueType, AmqpConnection>();
let connection: AmqpConnection;
let probe: BrokerProbe;
const queues: string[] = [];
const consumers: EventConsumer[] = [];

beforeAll(async () => {
  for (const queueType of queueTypes) {
    const opened = createAmqpConnection({ url: testInfrastructure().amqpUrl, logger, name: `consumer-test-${queueType}`, queueType });
    await opened.waitUntilConnected(5000);
    connections.set(queueType, opened);
  }
  connection = connections.get('classic')!;
  probe = await openBrokerProbe();
});

afterEach(async () => {
  while (consumers.length > 0) await consumers.pop()!.stop();
});

afterAll(async () => {
  for (const queue of queues) await deleteConsumerQueue(probe.channel, queue, maxAttempts);
  await probe.close({ exchanges: [exchange] });
  for (const opened of connections.values()) await opened.close();
});

async function consume(handler: EventHandler<'user.deleted'>, through: AmqpConnection = connection, queue = uniqueName('consumer_queue')) {
  queues.push(queue);
  const consumer = createEventConsumer({ connection: through, exchange, queue, events: ['user.deleted'], handler, logger, maxAttempts, retryBaseDelayMs: 20 });
  await consumer.start();
  consumers.push(consumer);
  return { consumer, names: consumerQueueNames(queue, maxAttempts) };
}

const publish = (event: EventEnvelope<'user.deleted'>) => publishEvent(connection.channel()!, exchange, event);

describe.each(queueTypes)('event consumer on %s queues', (queueType) => {
  const consumeTyped = (handler: EventHandler<'user.deleted'>) => consume(handler, connections.get(queueType)!);

  it('when the handler succeeds, then it sees the validated event once and nothing is dead-lettered', async () => {
    const seen: string[] = [];
    const { names } = await consumeTyped(async (event) => void seen.push(event.payload.userId));
    const event = createEvent('user.deleted', { userId: randomUUID() });

    await publish(event);

    expect(await eventually(() => seen.length === 1)).toBe(true);
    expect(seen).toEqual([event.payload.userId]);
    expect((await probe.channel.checkQueue(names.deadLetter)).messageCount).toBe(0);
  });

  it('when the handler fails twice then succeeds, then it is retried with back-off and handled on the third attempt', async () => {
    let calls = 0;
    await consumeTyped(async () => {
      calls += 1;
      if (calls < 3) throw new Error('smtp down');
    });

    await publish(createEvent('user.deleted', { userId: randomUUID() }));

    expect(await eventually(() => calls === 3)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toBe(3);
  });

  it('when the handler keeps failing, then after maxAttempts the message lands in the dead-letter queue', async () => {
    let calls = 0;
    const { names } = await consumeTyped(async () => {
      calls += 1;
      throw new Error('still down');
    });
    const event = createEvent('user.deleted', { userId: randomUUID() });

    await publish(event);

    const [dead] = await probe.take(names.deadLetter, 1, 5000);
    expect(dead && JSON.parse(dead.content.toString())).toEqual(event);
    expect(dead?.properties.headers?.[ATTEMPT_HEADER]).toBe(maxAttempts - 1);
    expect(calls).toBe(maxAttempts);
  });

  it('when a message is invalid, then it goes to the dead-letter queue at once and the handler never runs', async () => {
    let calls = 0;
    const { names } = await consumeTyped(async () => void (calls += 1));
    const invalid = { ...createEvent('user.deleted', { userId: randomUUID() }), payload: { userId: 42 } };

    probe.channel.publish(exchange, 'user.deleted', Buffer.from(JSON.stringify(invalid)));

    const [dead] = await probe.take(names.deadLetter, 1, 5000);
    expect(dead?.content.toString()).toBe(JSON.stringify(invalid));
    expect(dead?.properties.headers?.[ATTEMPT_HEADER]).toBeUndefined();
    expect(calls).toBe(0);
  });
});

describe('event consumer', () => {
  it('when stopped while a handler runs, then stop waits for it and no new delivery starts', async () => {
    let release: () => void = () => undefined;
    const started: string[] = [];
    const finished: string[] = [];
    const { consumer } = await consume(async (event) => {
      started.push(event.id);
      await new Promise<void>((resolve) => (release = resolve));
      finished.push(event.id);
    });
    const first = createEvent('user.deleted', { userId: randomUUID() });
    await publish(first);
    expect(await eventually(() => started.length === 1)).toBe(true);

    const stopping = consumer.stop();
    await publish(createEvent('user.deleted', { userId: randomUUID() }));
    setTimeout(() => release(), 100);
    await stopping;

    expect(finished).toEqual([first.id]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started).toEqual([first.id]);
  });

  it('when the broker connection is cut, then it reports disconnected and, once back, consumes again', async () => {
    const proxy = await startBrokerProxy();
    const flaky = createAmqpConnection({ url: proxy.url, logger, name: 'consumer-test-flaky', reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 200 });
    try {
      await flaky.waitUntilConnected(5000);
      const seen: string[] = [];
      await consume(async (event) => void seen.push(event.id), flaky);

      await proxy.cut();
      expect(await eventually(() => !flaky.isConnected(), 3000)).toBe(true);
      const event = createEvent('user.deleted', { userId: randomUUID() });
      await publish(event);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen).toEqual([]);
      await proxy.heal();

      expect(await eventually(() => flaky.isConnected(), 5000)).toBe(true);
      expect(await eventually(() => seen.length === 1, 5000)).toBe(true);
      expect(seen).toEqual([event.id]);
    } finally {
      while (consumers.length > 0) await consumers.pop()!.stop();
      await flaky.close();
      await proxy.close();
    }
  });
});

describe('quorum queues', () => {
  it('when deliveries of a message keep ending without an ack, then the broker dead-letters it past the delivery limit instead of dropping it', async () => {
    const queue = uniqueName('poison_queue');
    queues.push(queue);
    const names = consumerQueueNames(queue, maxAttempts);
    await declareConsumerQueue(connections.get('quorum')!.channel()!, {
      exchange,
      queue,
      events: ['user.deleted'],
      maxAttempts,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 1000,
      queueType: 'quorum',
    });
    const event = createEvent('user.deleted', { userId: randomUUID() });
    probe.channel.sendToQueue(queue, Buffer.from(JSON.stringify(event)));

    let deliveries = 0;
    for (let attempt = 0; attempt <= QUORUM_DELIVERY_LIMIT + 5; attempt++) {
      const message = await probe.channel.get(queue, { noAck: false });
      if (!message) break;
      deliveries += 1;
      // As a consumer that crashed mid-handling: the message goes back unacknowledged.
      probe.channel.nack(message, false, true);
    }

    const [dead] = await probe.take(names.deadLetter, 1, 5000);
    expect(dead && JSON.parse(dead.content.toString())).toEqual(event);
    expect(deliveries).toBe(QUORUM_DELIVERY_LIMIT + 1);
  });

  it.each([
    ['classic', 'quorum'],
    ['quorum', 'classic'],
  ] as const)(
    'when the queues exist as %s and the connection declares %s, then the consumer does not start and says how to migrate',
    async (existing, configured) => {
      const queue = uniqueName('switched_queue');
      await consume(async () => undefined, connections.get(existing)!, queue);
      while (consumers.length > 0) await consumers.pop()!.stop();
      // Its own connection: a refused declaration fails again on every reconnect until fixed.
      const redeployed = createAmqpConnection({
        url: testInfrastructure().amqpUrl,
        logger,
        name: 'consumer-test-switched',
        queueType: configured,
        reconnectBaseDelayMs: 50,
      });
      try {
        await redeployed.waitUntilConnected(5000);
        const switched = createEventConsumer({
          connection: redeployed,
          exchange,
          queue,
          events: ['user.deleted'],
          handler: async () => undefined,
          logger,
          maxAttempts,
          retryBaseDelayMs: 20,
        });

        const failure = await switched.start().then(
          () => undefined,
          (error: unknown) => error,
        );

        expect(failure).toBeInstanceOf(TopologyMismatchError);
        expect((failure as TopologyMismatchError).queue).toBe(queue);
        expect((failure as Error).message).toContain(`Queue "${queue}" exists with other arguments than this consumer declares (a ${configured} queue)`);
        expect((failure as Error).message).toMatch(/type \(EVENTS_QUEUE_TYPE\).*drain it and delete it/);
        const refused = () =>
          logs.lines().some((line) => line.msg === 'the broker refused a queue declaration' && line.level === 'error' && line.queue === queue);
        expect(await eventually(refused, 5000)).toBe(true);
      } finally {
        await redeployed.close();
      }
    },
  );
});
