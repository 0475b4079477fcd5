import { Counter, type Registry } from 'prom-client';
import type { EmailMetrics } from '../domain/notification.ports';

export interface NotificationMetrics extends EmailMetrics {
  event(outcome: 'handled' | 'retried' | 'dead_lettered', event: string): void;
}

/** Emails sent and failed (a failure is an attempt; it is retried), and event outcomes. */
export function createNotificationMetrics(registry: Registry): NotificationMetrics {
  const emails = new Counter({
    name: 'gatehouse_notification_emails_total',
    help: 'Emails by kind and outcome (failed = one failed attempt, retried later)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: 'gatehouse_notification_events_total',
    help: 'Consumed events by outcome (dead_lettered needs an operator)',
    labelNames: ['event', 'outcome'] as const,
    registers: [registry],
  });
  return {
    sent: (kind) => emails.inc({ kind, outcome: 'sent' }),
    failed: (kind) => emails.inc({ kind, outcome: 'failed' }),
    event: (outcome, event) => events.inc({ event, outcome }),
  };
}
