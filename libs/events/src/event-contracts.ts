import { randomUUID } from 'node:crypto';
import Joi from 'joi';

/** Why a user's sessions were revoked. */
export const sessionRevokedReasons = [
  'logout',
  'logout_all',
  'reuse_detected',
  'user_deleted',
  'password_changed',
  'session_ended_by_user',
  'mfa_disabled',
  'passkey_removed',
] as const;
export type SessionRevokedReason = (typeof sessionRevokedReasons)[number];

/**
 * What a security notice email tells its reader; `mfa_*` whenever the authenticator app is added
 * or removed, `passkey_*` whenever a passkey is.
 */
export const securityNoticeKinds = [
  'password_changed',
  'session_reuse_detected',
  'registration_attempted',
  'mfa_enabled',
  'mfa_disabled',
  'passkey_added',
  'passkey_removed',
] as const;
export type SecurityNoticeKind = (typeof securityNoticeKinds)[number];

/** Every event Gatehouse publishes, by name, with the payload of its current version. */
export interface EventPayloads {
  'user.registered': {
    readonly userId: string;
    readonly email: string;
    readonly name: string | null;
    /** The raw token (43 base64url characters); the publisher stores only its hash. */
    readonly verificationToken: string;
    readonly verificationExpiresAt: string;
  };
  'user.deleted': { readonly userId: string };
  /**
   * Who deleted an account, for auth's audit log: written with `user.deleted` in the same
   * transaction. A separate event so that consumers of `user.deleted` v1 (which refuse unknown
   * keys) never see the actor, and a consumer that predates it never binds to it.
   */
  'user.deletion_recorded': {
    readonly userId: string;
    /** An admin, or a service client with the admin role. */
    readonly deletedBy: { readonly kind: 'admin' | 'client'; readonly id: string };
  };
  'user.email_verified': { readonly userId: string; readonly email: string };
  'session.revoked': { readonly userId: string; readonly sessionIds: readonly string[]; readonly reason: SessionRevokedReason };
  'user.password_reset_requested': {
    readonly userId: string;
    readonly email: string;
    readonly name: string | null;
    /** The raw token (43 base64url characters); the publisher stores only its hash. */
    readonly resetToken: string;
    readonly resetExpiresAt: string;
  };
  /** Something happened to the account that its owner must hear about by email. */
  'user.security_notice': {
    readonly userId: string;
    readonly email: string;
    readonly name: string | null;
    readonly kind: SecurityNoticeKind;
    /** When it happened (ISO 8601). */
    readonly at: string;
    /** The user agent of the request that caused it, when known (cut to 256 characters). */
    readonly userAgent: string | null;
  };
  /** An OAuth client (client credentials) was deleted: its access tokens must be refused now. */
  'client.deleted': { readonly clientId: string };
}

export type EventName = keyof EventPayloads;

/** The envelope every message carries; `version` names the payload contract. */
export interface EventEnvelope<N extends EventName = EventName> {
  readonly name: N;
  readonly version: 1;
  readonly id: string;
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly payload: EventPayloads[N];
}

/** Any one event, narrowed by `name`. */
export type AnyEvent = { [N in EventName]: EventEnvelope<N> }[EventName];

/** An emailed single-use token as the publisher issues it: 256 random bits, base64url. */
const singleUseToken = () => Joi.string().pattern(/^[A-Za-z0-9_-]{43}$/);
/** A client id as auth issues it: `svc_` and 128 random bits, base64url. */
export const CLIENT_ID_PATTERN = /^svc_[A-Za-z0-9_-]{22}$/;
const uuid = () => Joi.string().guid({ version: ['uuidv4', 'uuidv7'] });
const email = () => Joi.string().email({ tlds: false }).max(254);

const payloadSchemas: { readonly [N in EventName]: Joi.ObjectSchema } = {
  'user.registered': Joi.object({
    userId: uuid().required(),
    email: email().required(),
    name: Joi.string().max(100).allow(null).required(),
    verificationToken: singleUseToken().required(),
    verificationExpiresAt: Joi.string().isoDate().required(),
  }),
  'user.deleted': Joi.object({ userId: uuid().required() }),
  'user.deletion_recorded': Joi.object({
    userId: uuid().required(),
    deletedBy: Joi.object({
      kind: Joi.string().valid('admin', 'client').required(),
      id: Joi.when('kind', { is: 'admin', then: uuid(), otherwise: Joi.string().pattern(CLIENT_ID_PATTERN) }).required(),
    }).required(),
  }),
  'user.email_verified': Joi.object({ userId: uuid().required(), email: email().required() }),
  'session.revoked': Joi.object({
    userId: uuid().required(),
    sessionIds: Joi.array().items(Joi.string().min(1).max(128)).max(1000).required(),
    reason: Joi.string()
      .valid(...sessionRevokedReasons)
      .required(),
  }),
  'user.password_reset_requested': Joi.object({
    userId: uuid().required(),
    email: email().required(),
    name: Joi.string().max(100).allow(null).required(),
    resetToken: singleUseToken().required(),
    resetExpiresAt: Joi.string().isoDate().required(),
  }),
  'user.security_notice': Joi.object({
    userId: uuid().required(),
    email: email().required(),
    name: Joi.string().max(100).allow(null).required(),
    kind: Joi.string()
      .valid(...securityNoticeKinds)
      .required(),
    at: Joi.string().isoDate().required(),
    userAgent: Joi.string().max(256).allow(null).required(),
  }),
  'client.deleted': Joi.object({ clientId: Joi.string().pattern(CLIENT_ID_PATTERN).required() }),
};

export const eventNames = Object.keys(payloadSchemas) as EventName[];

const envelopeSchema = Joi.object({
  name: Joi.string()
    .valid(...eventNames)
    .required(),
  version: Joi.number().valid(1).required(),
  id: uuid().required(),
  occurredAt: Joi.string().isoDate().required(),
  correlationId: Joi.string().min(1).max(128).required(),
  payload: Joi.when('name', {
    switch: eventNames.map((name) => ({ is: name, then: payloadSchemas[name].required() })),
    otherwise: Joi.forbidden(),
  }),
});

/** Thrown when a message does not match its contract; such a message is never retried. */
export class InvalidEventError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid event: ${problems.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

/** Checks `value` against the envelope and the payload contract of its name and version. */
export function validateEvent(value: unknown): AnyEvent {
  const { value: event, error } = envelopeSchema.validate(value, { abortEarly: false, stripUnknown: false, allowUnknown: false, convert: false });
  if (error) throw new InvalidEventError(error.details.map((d) => d.message));
  return event as AnyEvent;
}

/** Parses and validates a message body. */
export function parseEvent(content: Buffer): AnyEvent {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch {
    throw new InvalidEventError(['the message body is not JSON']);
  }
  return validateEvent(value);
}

export interface NewEventOptions {
  /** Ties the event to the request that caused it; a new id when absent. */
  readonly correlationId?: string;
  readonly now?: () => number;
}

/** A new, validated envelope for `payload`. */
export function createEvent<N extends EventName>(name: N, payload: EventPayloads[N], options: NewEventOptions = {}): EventEnvelope<N> {
  const event = {
    name,
    version: 1 as const,
    id: randomUUID(),
    occurredAt: new Date((options.now ?? Date.now)()).toISOString(),
    correlationId: options.correlationId ?? randomUUID(),
    payload,
  };
  validateEvent(event);
  return event;
}
