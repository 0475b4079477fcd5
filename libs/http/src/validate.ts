import type { Schema } from 'joi';
import { validationError } from '@gatehouse/errors';

/**
 * Validates untrusted input at the edge. Unknown keys are rejected (no mass assignment), every
 * problem is reported, and the converted value is returned. A request without a body is read as
 * an empty object, so its missing fields are named like any others.
 */
export function validate<T>(schema: Schema<T>, input: unknown): T {
  const { value, error } = schema.validate(input ?? {}, {
    abortEarly: false,
    allowUnknown: false,
    stripUnknown: false,
    convert: true,
  });
  if (error) {
    throw validationError(error.details.map((d) => ({ path: d.path.join('.') || '(body)', message: d.message })));
  }
  return value;
}
