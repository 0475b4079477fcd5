import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '@gatehouse/logger';
import type { Mailer } from '../domain/notification.ports';
import { mailMessage } from './mail-message';

export interface FileMailerOptions {
  readonly directory: string;
  readonly from: string;
  readonly logger: Logger;
}

const LINK = /https?:\/\/\S+/;

/**
 * Local development without a mail server: each email becomes an .eml file (open it in any
 * mail client) and its first link is logged, so a developer can verify an account at once.
 */
export function createFileMailer(options: FileMailerOptions): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(email) {
      const info = await transport.sendMail(mailMessage(options.from, email));
      await mkdir(options.directory, { recursive: true });
      const file = join(options.directory, `${Date.now()}-${email.reference.replace(/[^\w-]/g, '_')}.eml`);
      await writeFile(file, info.message as Buffer);
      options.logger.info({ file, to: email.to, link: LINK.exec(email.text)?.[0] }, 'email written to file (no SMTP_URL)');
    },
    close: () => transport.close(),
  };
}
