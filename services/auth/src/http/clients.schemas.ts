import Joi from 'joi';
import { CLIENT_ID_PATTERN } from '@gatehouse/events';
import { singleLineText } from '@gatehouse/http';

/** A role as verifiers compare it: short, lowercase, no spaces or separators of other claims. */
const ROLE = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_ROLES = 8;

export interface NewClientBody {
  readonly name: string;
  readonly scopes: string[];
  readonly roles: string[];
}

/** Scopes only from `grantableScopes` (OAUTH_SCOPES); empty lists are allowed, absent ones are not. */
export function newClientBody(grantableScopes: readonly string[]): Joi.ObjectSchema<NewClientBody> {
  return Joi.object<NewClientBody>({
    name: singleLineText().trim().min(1).max(100).required(),
    scopes: Joi.array()
      .items(Joi.string().valid(...grantableScopes))
      .unique()
      .required(),
    roles: Joi.array()
      .items(
        Joi.string()
          .pattern(ROLE)
          .messages({ 'string.pattern.base': '{{#label}} must be 1 to 32 lowercase letters, digits, "_" or "-", starting with a letter' }),
      )
      .unique()
      .max(MAX_ROLES)
      .required(),
  });
}

export const clientIdParams = Joi.object<{ id: string }>({
  id: Joi.string().pattern(CLIENT_ID_PATTERN).required().messages({ 'string.pattern.base': '{{#label}} is not a client id' }),
});
