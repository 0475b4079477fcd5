import Joi from 'joi';
import { multiLineText, singleLineText } from '@gatehouse/http';
import type { ProfileChanges } from '../domain/user.ports';

// Language, then subtags (script, region, variants, extensions): "en", "pt-BR", "zh-Hant-TW".
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

/** Canonical casing ("en-us" → "en-US"); a tag Intl cannot read is refused. */
const canonicalLocale = (value: string, helpers: Joi.CustomHelpers) => {
  try {
    return Intl.getCanonicalLocales(value)[0] ?? helpers.error('string.pattern.base');
  } catch {
    return helpers.error('any.invalid');
  }
};

/**
 * Only what a user may change about themselves. `email`, `roles`, `id` and anything else are
 * refused by `validate` (unknown keys), so a request cannot assign fields it does not own.
 */
export const updateProfileBody = Joi.object<ProfileChanges>({
  name: singleLineText().trim().min(1).max(100).allow(null),
  bio: multiLineText().trim().max(500).allow(null),
  avatarUrl: singleLineText()
    .uri({ scheme: ['https'] })
    .max(2048)
    .allow(null),
  locale: singleLineText().max(35).pattern(LANGUAGE_TAG).custom(canonicalLocale).allow(null),
})
  .min(1)
  .required();

export const listUsersQuery = Joi.object<{ limit: number; cursor?: string }>({
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: singleLineText().max(200),
});

export const userIdParams = Joi.object<{ id: string }>({
  id: Joi.string().uuid().required(),
});
