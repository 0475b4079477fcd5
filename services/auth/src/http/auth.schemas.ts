import Joi from 'joi';
import { singleLineText } from '@gatehouse/http';
import { MAX_PASSWORD_CODE_POINTS } from '../domain/password-policy';

const email = () => singleLineText().trim().lowercase().email({ tlds: false }).max(254).required();
// Length in characters is checked by the password policy (code points, not UTF-16 units);
// this bound only keeps absurd inputs away from the hasher.
const password = () =>
  Joi.string()
    .min(1)
    .max(MAX_PASSWORD_CODE_POINTS * 2)
    .required();
// A new password is refused control characters like any other text. Login keeps the lenient
// `password()`: the password is only hashed there, never stored, and an account made before
// the rule must still be able to sign in.
const newPassword = () =>
  singleLineText()
    .min(1)
    .max(MAX_PASSWORD_CODE_POINTS * 2)
    .required();

export const registerBody = Joi.object<{ email: string; password: string; name?: string }>({
  email: email(),
  password: newPassword(),
  name: singleLineText().trim().min(1).max(100),
});

export const loginBody = Joi.object<{ email: string; password: string }>({
  email: email(),
  password: password(),
});

/** Refresh and logout take no body; an empty object is tolerated, anything else is refused. */
export const emptyBody = Joi.object({});

export const forgotPasswordBody = Joi.object<{ email: string }>({ email: email() });

export const resetPasswordBody = Joi.object<{ token: string; password: string }>({
  token: singleLineText().max(100).required(),
  password: newPassword(),
});

export const changePasswordBody = Joi.object<{ currentPassword: string; newPassword: string }>({
  currentPassword: password(),
  newPassword: newPassword(),
});
