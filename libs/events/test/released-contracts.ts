import Joi from 'joi';

/**
 * Contracts as released consumers validate them, frozen here: an event that a running (older)
 * auth, gateway or notification process must accept is checked against these, never against
 * the current `event-contracts.ts`, which changes with the code under test. A contract listed
 * here never changes; a new payload shape is a new event (or a new version) beside it.
 */
const uuid = () => Joi.string().guid({ version: ['uuidv4', 'uuidv7'] });

/** `user.deleted` v1 (6b7555e and every release since): the payload is `{ userId }` and nothing else. */
const releasedPayloads = {
  'user.deleted': Joi.object({ userId: uuid().required() }),
} as const;

export type ReleasedEventName = keyof typeof releasedPayloads;

/**
 * Validates `value` as a consumer of the released contract of `name` does: version 1, unknown
 * keys refused anywhere (`allowUnknown: false`, no conversion). Returns the problems, none when accepted.
 */
export function problemsForReleasedConsumer(name: ReleasedEventName, value: unknown): string[] {
  const schema = Joi.object({
    name: Joi.string().valid(name).required(),
    version: Joi.number().valid(1).required(),
    id: uuid().required(),
    occurredAt: Joi.string().isoDate().required(),
    correlationId: Joi.string().min(1).max(128).required(),
    payload: releasedPayloads[name].required(),
  });
  const { error } = schema.validate(value, { abortEarly: false, stripUnknown: false, allowUnknown: false, convert: false });
  return error ? error.details.map((detail) => detail.message) : [];
}
