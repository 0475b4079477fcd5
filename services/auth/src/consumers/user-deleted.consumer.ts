import type { DeleteAccountResult } from '../domain/delete-account.use-case';
import type { AuditTrail } from '../domain/audit.ports';
import { consumerSettings, createEventConsumer, type ConsumerSettings, type EventConsumer } from '@gatehouse/events';

export interface UserDeletedConsumerOptions extends ConsumerSettings {
  readonly deleteAccount: (eventId: string, userId: string) => Promise<DeleteAccountResult>;
  readonly audit: AuditTrail;
}

/**
 * `user.deleted` → the credential and every session go, unless it names the last admin.
 * Validation, retries and dead-lettering come from the library.
 */
export function userDeletedConsumer(options: UserDeletedConsumerOptions): EventConsumer {
  return createEventConsumer({
    ...consumerSettings(options),
    events: ['user.deleted'],
    handler: async (event) => {
      const result = await options.deleteAccount(event.id, event.payload.userId);
      const fields = { eventId: event.id, correlationId: event.correlationId, userId: event.payload.userId, result };
      // Once per event: a redelivery (`duplicate`) was recorded the first time.
      if (result !== 'duplicate') {
        const { userId, deletedBy } = event.payload;
        const outcome = result === 'deleted' ? { outcome: 'success' as const } : { outcome: 'failure' as const, reason: 'last_admin' };
        options.audit.record({ action: 'user_delete', ...outcome, actor: deletedBy ?? null, subject: userId });
      }
      // Acknowledged, not retried: the same message would be refused again. Someone must look.
      if (result === 'refused_last_admin') options.logger.error(fields, 'user.deleted refused: it names the last admin');
      else options.logger.info(fields, 'user.deleted handled');
    },
  });
}
