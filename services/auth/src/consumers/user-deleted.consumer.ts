import type { DeleteAccountResult } from '../domain/delete-account.use-case';
import type { AuditTrail } from '../domain/audit.ports';
import { consumerSettings, createEventConsumer, type ConsumerSettings, type EventConsumer, type EventEnvelope } from '@gatehouse/events';

export interface UserDeletedConsumerOptions extends ConsumerSettings {
  readonly deleteAccount: (eventId: string, userId: string) => Promise<DeleteAccountResult>;
  /** Records the event id as handled (in the queue's processed-event log): true the first time only. */
  readonly firstDelivery: (eventId: string) => Promise<boolean>;
  readonly audit: AuditTrail;
}

/**
 * What the queue is bound to, by exact routing key: `user.deleted` (v1, `{ userId }`) deletes,
 * `user.deletion_recorded` (written beside it in the user service's transaction) names who did,
 * for the audit log. The actor has an event of its own so that `user.deleted` never changes
 * shape under the consumers that refuse unknown keys (older auth and gateway processes).
 */
export const USER_DELETION_EVENTS = ['user.deleted', 'user.deletion_recorded'] as const;

type DeletionEvent = EventEnvelope<'user.deleted'> | EventEnvelope<'user.deletion_recorded'>;

/**
 * `user.deleted` → the credential and every session go, unless it names the last admin (then a
 * failed `user_delete` without actor is recorded). `user.deletion_recorded` → the `user_delete`
 * record naming the admin or service client. Each once per event id; validation, retries and
 * dead-lettering come from the library.
 */
export function userDeletedConsumer(options: UserDeletedConsumerOptions): EventConsumer {
  const deleted = async (event: EventEnvelope<'user.deleted'>) => {
    const { userId } = event.payload;
    const result = await options.deleteAccount(event.id, userId);
    const fields = { eventId: event.id, correlationId: event.correlationId, userId, result };
    // Acknowledged, not retried: the same message would be refused again. Someone must look.
    if (result === 'refused_last_admin') {
      options.audit.record({ action: 'user_delete', outcome: 'failure', reason: 'last_admin', actor: null, subject: userId });
      options.logger.error(fields, 'user.deleted refused: it names the last admin');
    } else options.logger.info(fields, 'user.deleted handled');
  };

  const recorded = async (event: EventEnvelope<'user.deletion_recorded'>) => {
    const { userId, deletedBy } = event.payload;
    // Once per event: a redelivery was recorded the first time.
    const first = await options.firstDelivery(event.id);
    if (first) options.audit.record({ action: 'user_delete', outcome: 'success', actor: deletedBy, subject: userId });
    options.logger.info({ eventId: event.id, correlationId: event.correlationId, userId, duplicate: !first }, 'user.deletion_recorded handled');
  };

  return createEventConsumer({
    ...consumerSettings(options),
    events: USER_DELETION_EVENTS,
    handler: async (received) => {
      // The library hands over one of the bound events; the union lets `name` narrow the payload.
      const event = received as DeletionEvent;
      if (event.name === 'user.deletion_recorded') await recorded(event);
      else await deleted(event);
    },
  });
}
