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
      EVENT_MAX_ATTEMPTS: 5,
      EVENT_RETRY_BASE_DELAY_MS: 1000,
      EVENT_RETRY_MAX_DELAY_MS: 300_000,
      CONCURRENT_DELIVERIES: 50,
      MAIL_FROM: 'Gatehouse <no-reply@gatehouse.local>',
      MAIL_DIR: '.dev-mail',
      APP_URL: 'http://localhost:8080',
      PROCESSED_EVENTS_RETENTION_SECONDS: 7 * 24 * 3600,
    });
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.DATABASE_URL).toMatch(/127\.0\.0\.1:5432\/gatehouse_notification$/);
  });

  it('when SIGN_IN_URL is not set, then the notices link to APP_URL; when it is, to the web app it names', () => {
    expect(loadNotificationConfig({ APP_URL: 'https://api.example.com' }).SIGN_IN_URL).toBe('https://api.example.com');
    expect(loadNotificationConfig({ APP_URL: 'https://api.example.com', SIGN_IN_URL: 'https://app.example.com/sign-in' }).SIGN_IN_URL).toBe(
      'https://app.example.com/sign-in',
    );
    expect(() => loadNotificationConfig({ SIGN_IN_URL: 'javascript:alert(1)' })).toThrow(/SIGN_IN_URL/);
  });

  it('when production runs without SMTP_URL, then boot stops rather than write emails to files', () => {
    expect(() => loadNotificationConfig({ NODE_ENV: 'production' })).toThrow(
      /"SMTP_URL" is required in production \(without it, emails are written to files in MAIL_DIR\)/,
    );
    expect(loadNotificationConfig({ NODE_ENV: 'production', SMTP_URL: 'smtps://mail.example.com:465' }).SMTP_URL).toBe('smtps://mail.example.com:465');
    expect(loadNotificationConfig({ NODE_ENV: 'test' }).SMTP_URL).toBeUndefined();
  });

  it('when values are wrong, then boot stops naming every one of them', () => {
    const env = { SMTP_URL: 'http://mail', EVENT_MAX_ATTEMPTS: '0', AMQP_URL: 'redis://x' };
    expect(() => loadNotificationConfig(env)).toThrow(ConfigError);
    expect(() => loadNotificationConfig(env)).toThrow(/AMQP_URL[\s\S]*EVENT_MAX_ATTEMPTS[\s\S]*SMTP_URL/);
  });

  it('when the retry settings still have their old names, then they apply for this release, with a warning for each', () => {
    const warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const config = loadNotificationConfig({ MAX_DELIVERY_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '20', RETRY_MAX_DELAY_MS: '100' });

      expect(config).toMatchObject({ EVENT_MAX_ATTEMPTS: 3, EVENT_RETRY_BASE_DELAY_MS: 20, EVENT_RETRY_MAX_DELAY_MS: 100 });
      expect(warnings.mock.calls.map(([message]) => String(message))).toEqual([
        expect.stringMatching(/^MAX_DELIVERY_ATTEMPTS is deprecated.*EVENT_MAX_ATTEMPTS/),
        expect.stringMatching(/^RETRY_BASE_DELAY_MS is deprecated.*EVENT_RETRY_BASE_DELAY_MS/),
        expect.stringMatching(/^RETRY_MAX_DELAY_MS is deprecated.*EVENT_RETRY_MAX_DELAY_MS/),
      ]);
    } finally {
      warnings.mockRestore();
    }
  });
});
