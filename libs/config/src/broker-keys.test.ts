import Joi from 'joi';
import { brokerKeys, configSchema, eventConsumerKeys, loadConfig } from './index';

const consumer = configSchema({ ...brokerKeys(), ...eventConsumerKeys({ queuePrefix: 'sample' }) });
const load = (env: Record<string, string>) => loadConfig('sample', consumer, env);

describe('broker keys', () => {
  it('when nothing is set, then a consumer talks to the local broker with classic queues named after the service', () => {
    expect(load({})).toEqual({
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      EVENTS_EXCHANGE: 'gatehouse.events',
      EVENTS_QUEUE_PREFIX: 'sample',
      EVENTS_QUEUE_TYPE: 'classic',
      EVENT_MAX_ATTEMPTS: 5,
      EVENT_RETRY_BASE_DELAY_MS: 1000,
      EVENT_RETRY_MAX_DELAY_MS: 60_000,
    });
  });

  it('when a service keeps a longer retry ceiling, then only that default differs', () => {
    const slow = configSchema({ ...eventConsumerKeys({ queuePrefix: 'slow', retryMaxDelayMs: 300_000 }) });
    expect(loadConfig('slow', slow, {})).toMatchObject({ EVENTS_QUEUE_PREFIX: 'slow', EVENT_RETRY_MAX_DELAY_MS: 300_000 });
  });

  it('when quorum is asked for, then it is accepted, and any other type is refused naming the two', () => {
    expect(load({ EVENTS_QUEUE_TYPE: 'quorum' }).EVENTS_QUEUE_TYPE).toBe('quorum');
    expect(() => load({ EVENTS_QUEUE_TYPE: 'stream' })).toThrow(/"EVENTS_QUEUE_TYPE" must be one of \[classic, quorum\]/);
  });

  it('when values are wrong, then every one is named', () => {
    expect(() => load({ AMQP_URL: 'redis://broker', EVENTS_QUEUE_PREFIX: 'a b', EVENT_MAX_ATTEMPTS: '21' })).toThrow(
      /AMQP_URL[\s\S]*EVENTS_QUEUE_PREFIX[\s\S]*EVENT_MAX_ATTEMPTS/,
    );
  });
});

describe('a renamed key', () => {
  const renamed = configSchema({ ...eventConsumerKeys({ queuePrefix: 'sample' }), NAME: Joi.string().default('x') })
    .rename('MAX_DELIVERY_ATTEMPTS', 'EVENT_MAX_ATTEMPTS')
    .rename('OLD_NAME', 'NAME');
  let warnings: jest.SpyInstance;
  beforeEach(() => {
    warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(() => warnings.mockRestore());

  it('when only the old name is set, then its value is used for the new one, with a deprecation warning naming both', () => {
    const config = loadConfig('sample', renamed, { MAX_DELIVERY_ATTEMPTS: '3', OLD_NAME: 'y' });

    expect(config).toMatchObject({ EVENT_MAX_ATTEMPTS: 3, NAME: 'y' });
    expect(config).not.toHaveProperty('MAX_DELIVERY_ATTEMPTS');
    expect(warnings).toHaveBeenCalledWith(
      expect.stringMatching(/MAX_DELIVERY_ATTEMPTS is deprecated.*set EVENT_MAX_ATTEMPTS/),
      expect.objectContaining({ type: 'DeprecationWarning' }),
    );
  });

  it('when the old name holds a bad value, then boot stops naming the new key', () => {
    expect(() => loadConfig('sample', renamed, { MAX_DELIVERY_ATTEMPTS: '0' })).toThrow(/"EVENT_MAX_ATTEMPTS" must be greater than or equal to 1/);
  });

  it('when both names are set, then boot stops rather than pick one', () => {
    expect(() => loadConfig('sample', renamed, { MAX_DELIVERY_ATTEMPTS: '3', EVENT_MAX_ATTEMPTS: '4' })).toThrow(
      /MAX_DELIVERY_ATTEMPTS[\s\S]*EVENT_MAX_ATTEMPTS/,
    );
  });

  it('when only the new name is set, then nothing is said', () => {
    expect(loadConfig('sample', renamed, { EVENT_MAX_ATTEMPTS: '4' }).EVENT_MAX_ATTEMPTS).toBe(4);
    expect(warnings).not.toHaveBeenCalled();
  });
});
