import { ConfigError } from '@gatehouse/config';
import { loadNotificationConfig } from './config';

describe('notification config', () => {
  it('when nothing is set, then the defaults work against the local services and write mail to files', () => {
    const config = loadNotificationConfig({});
    expect(config).toMatchObject({
      PORT: 4003,
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      EVENTS_EXCHANGE: 'gatehouse.events',
      EVENTS_QUEUE_PREFIX: 'notification',
      MAX_DELIVERY_ATTEMPTS: 5,
      RETRY_BASE_DELAY_MS: 1000,
      MAIL_FROM: 'Gatehouse <no-reply@gatehouse.local>',
      MAIL_DIR: '.dev-mail',
      APP_URL: 'http://localhost:8080',
      PROCESSED_EVENTS_RETENTION_SECONDS: 7 * 24 * 3600,
    });
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.DATABASE_URL).toMatch(/127\.0\.0\.1:5432\/gatehouse_notification$/);
  });

  it('when values are wrong, then boot stops naming every one of them', () => {
    const env = { SMTP_URL: 'http://mail', MAX_DELIVERY_ATTEMPTS: '0', AMQP_URL: 'redis://x' };
    expect(() => loadNotificationConfig(env)).toThrow(ConfigError);
    expect(() => loadNotificationConfig(env)).toThrow(/AMQP_URL[\s\S]*MAX_DELIVERY_ATTEMPTS[\s\S]*SMTP_URL/);
  });
});
