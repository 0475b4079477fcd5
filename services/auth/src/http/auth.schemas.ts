import Joi from 'joi';
import { MAX_PASSWORD_CODE_POINTS } from '../domain/password-policy';

const email = () => Joi.string().trim().lowercase().email({ tlds: false }).max(254).required();
// Length in characters is checked by the password policy (code points, not UTF-16 units);
// this bound only keeps absurd inputs away from the hasher.
const password = () => Joi.string().min(1).max(MAX_PASSWORD_CODE_POINTS * 2).required();

export const registerBody = Joi.object<{ email: string; password: string; name?: string }>({
  email: email(),
  password: password(),
  name: Joi.string().trim().min(1).max(100),
});

export const loginBody = Joi.object<{ email: string; password: string }>({
  email: email(),
  password: password(),
});

/** Refresh and logout take no body; an empty object is tolerated, anything else is refused. */
export const emptyBody = Joi.object({});
