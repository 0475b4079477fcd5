import Joi from 'joi';
import { singleLineText } from '@gatehouse/http';
import { MAX_PASSWORD_CODE_POINTS } from '../domain/password-policy';
import { SINGLE_USE_TOKEN_SHAPE } from '../domain/single-use-token';

const SIX_DIGITS = /^\d{6}$/;

const code = () => Joi.string().pattern(SIX_DIGITS).messages({ 'string.pattern.base': '{{#label}} must be the 6 digits the authenticator app shows' });

export const confirmTotpBody = Joi.object<{ code: string }>({ code: code().required() });

/** A current code of the app, or the password: exactly one. */
export const removeTotpBody = Joi.object<{ code?: string; password?: string }>({
  code: code(),
  password: Joi.string()
    .min(1)
    .max(MAX_PASSWORD_CODE_POINTS * 2),
}).xor('code', 'password');

/** The token of the first step, and a code of the app or a recovery code: exactly one. */
export const mfaLoginBody = Joi.object<{ mfaToken: string; code?: string; recoveryCode?: string }>({
  mfaToken: Joi.string().pattern(SINGLE_USE_TOKEN_SHAPE).required().messages({ 'string.pattern.base': '{{#label}} is not a token this service issued' }),
  code: code(),
  recoveryCode: singleLineText().min(1).max(32),
}).xor('code', 'recoveryCode');
