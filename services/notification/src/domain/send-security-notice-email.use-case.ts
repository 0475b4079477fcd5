import type { SecurityNoticeKind } from '@gatehouse/events';
import { securityNoticeEmail } from './security-notice-email';
import { sendEmailOnce, type SendEmailOnceDeps } from './send-email-once';

export interface SendSecurityNoticeEmailDeps extends SendEmailOnceDeps {
  readonly signInUrl: string;
}

export interface SecurityNotice {
  readonly eventId: string;
  readonly email: string;
  readonly name: string | null;
  readonly kind: SecurityNoticeKind;
  readonly at: string;
  readonly userAgent: string | null;
}

/** Tells the owner what happened to their account, once per event, counted under the notice's kind. */
export function sendSecurityNoticeEmail(deps: SendSecurityNoticeEmailDeps, event: SecurityNotice): Promise<'sent' | 'duplicate'> {
  return sendEmailOnce(deps, event.eventId, event.kind, () =>
    securityNoticeEmail({
      signInUrl: deps.signInUrl,
      email: event.email,
      name: event.name,
      kind: event.kind,
      at: event.at,
      userAgent: event.userAgent,
      reference: event.eventId,
    }),
  );
}
