import Joi from 'joi';

/** The Joi error code of both rules, so a caller can override the message like any other. */
export const CONTROL_CHARACTERS_ERROR = 'string.controlCharacters';

/**
 * Unicode Cc (C0 controls such as NUL and ESC, DEL, C1 controls) and the Unicode line and
 * paragraph separators. PostgreSQL refuses NUL in text; the others forge lines in logs, plain-text
 * emails and terminals.
 */
const SINGLE_LINE_FORBIDDEN = /[\p{Cc}\u2028\u2029]/u;
/** Cc except newline and tab, which a multi-line field legitimately holds. */
const MULTI_LINE_FORBIDDEN = /(?![\n\t])\p{Cc}/u;

function refusing(forbidden: RegExp, message: string): Joi.StringSchema {
  return Joi.string()
    .custom((value: string, helpers) => (forbidden.test(value) ? helpers.error(CONTROL_CHARACTERS_ERROR) : value), 'no control characters')
    .messages({ [CONTROL_CHARACTERS_ERROR]: message });
}

/**
 * A Joi string for free text on one line (names, identifiers, passwords): refuses every control
 * character, newline and tab included. The message names the field, never echoes the value.
 * Chain the usual rules on it: `singleLineText().trim().min(1).max(100)`.
 */
export function singleLineText(): Joi.StringSchema {
  return refusing(SINGLE_LINE_FORBIDDEN, '{{#label}} must not contain control characters or line breaks');
}

/** Like {@link singleLineText}, for fields that hold paragraphs (a bio): newline and tab are allowed. */
export function multiLineText(): Joi.StringSchema {
  return refusing(MULTI_LINE_FORBIDDEN, '{{#label}} must not contain control characters other than newline and tab');
}
