import type { SendMailOptions } from 'nodemailer';
import type { OutgoingEmail } from '../domain/notification.ports';

/** The nodemailer message for an email, the same whether it is sent or written to a file. */
export function mailMessage(from: string, email: OutgoingEmail): SendMailOptions {
  return {
    from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    headers: { 'X-Gatehouse-Reference': email.reference },
  };
}
