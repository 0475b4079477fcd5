import { createEvent, type SecurityNoticeKind } from '@gatehouse/events';

/** The `user.security_notice` that makes the notification service tell the owner by email. */
export function securityNotice(account: { id: string; email: string; name: string | null }, kind: SecurityNoticeKind, at: Date, userAgent: string | null) {
  return createEvent('user.security_notice', { userId: account.id, email: account.email, name: account.name, kind, at: at.toISOString(), userAgent });
}
