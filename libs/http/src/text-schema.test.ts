import Joi from 'joi';
import { AppError } from '@gatehouse/errors';
import { multiLineText, singleLineText } from './text-schema';
import { validate } from './validate';

const schema = Joi.object<{ name?: string; bio?: string }>({
  name: singleLineText().trim().min(1).max(20),
  bio: multiLineText().max(200),
});

/** The field issues `validate` reports for `input`, or [] when it passes. */
function issues(input: unknown): { path: string; message: string }[] {
  try {
    validate(schema, input);
    return [];
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return error.details.errors as { path: string; message: string }[];
  }
}

describe('singleLineText', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['ESC', 'a\u001b[31mb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control (NEL)', 'a\u0085b'],
    ['a newline', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['a tab', 'a\tb'],
    ['a Unicode line separator', 'a\u2028b'],
  ])('when the text holds %s, then it is refused, naming the field without echoing the value', (_what, name) => {
    expect(issues({ name })).toEqual([{ path: 'name', message: '"name" must not contain control characters or line breaks' }]);
  });

  it('when the text is ordinary Unicode (accents, CJK, emoji with joiners), then it is accepted', () => {
    expect(issues({ name: 'Zoë 李 👩‍💻' })).toEqual([]);
  });

  it('when whitespace surrounds the text, then trim still applies first and the text is accepted', () => {
    expect(validate(schema, { name: '  Ada \n' })).toEqual({ name: 'Ada' });
  });

  it('when the text also breaks another rule, then both problems are reported', () => {
    expect(issues({ name: `${'x'.repeat(20)}\u0000` }).map((i) => i.path)).toEqual(['name', 'name']);
  });
});

describe('multiLineText', () => {
  it('when the text holds newlines and tabs, then it is accepted as is', () => {
    expect(validate(schema, { bio: 'First line\n\tsecond line' })).toEqual({ bio: 'First line\n\tsecond line' });
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['a carriage return', 'a\r\nb'],
    ['ESC', '\u001b]8;;https://evil.example\u0007link'],
  ])('when the text holds %s, then it is refused, naming the field', (_what, bio) => {
    expect(issues({ bio })).toEqual([{ path: 'bio', message: '"bio" must not contain control characters other than newline and tab' }]);
  });
});
