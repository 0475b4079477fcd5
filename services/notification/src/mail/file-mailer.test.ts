import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@gatehouse/logger';
import { captureLogs } from '@gatehouse/testing';
import { verificationEmail } from '../domain/verification-email';
import { createFileMailer } from './file-mailer';

describe('file mailer (no SMTP_URL)', () => {
  let directory: string;
  beforeEach(async () => {
    directory = join(await mkdtemp(join(tmpdir(), 'gatehouse-mail-')), 'nested');
  });
  afterEach(() => rm(join(directory, '..'), { recursive: true, force: true }));

  it('when an email is sent, then an .eml with both parts lands in MAIL_DIR and the link is logged', async () => {
    const logs = captureLogs();
    const mailer = createFileMailer({
      directory,
      from: 'Gatehouse <no-reply@gatehouse.local>',
      logger: createLogger({ service: 'notification', level: 'info', destination: logs.stream }),
    });
    const token = 'x'.repeat(43);
    const email = verificationEmail({
      appUrl: 'http://localhost:8080',
      email: 'a@example.com',
      name: 'Ada',
      token,
      expiresAt: '2026-01-02T00:00:00.000Z',
      reference: 'event-1',
    });

    await mailer.send(email);

    const files = await readdir(directory);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/-event-1\.eml$/);
    const raw = (await readFile(join(directory, files[0]!), 'utf8')).replace(/=\n/g, '');
    expect(raw).toMatch(/Content-Type: text\/plain/);
    expect(raw).toMatch(/Content-Type: text\/html/);
    expect(raw).toContain('To: a@example.com');
    const line = logs.lines().find((l) => l.msg === 'email written to file (no SMTP_URL)');
    expect(line?.link).toBe(`http://localhost:8080/api/auth/verify-email?token=${token}`);
    mailer.close();
  });
});
