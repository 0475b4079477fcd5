import { passwordProblem, normalizePassword } from './password-policy';

describe('password policy', () => {
  it('when a password is shorter than 8 characters, then it is refused', () => {
    expect(passwordProblem('Ab1!xyz')).toMatch(/at least 8/);
  });

  it('when a password is 8 characters counted as code points, then it is accepted', () => {
    // Eight emoji are 16 UTF-16 units but 8 characters.
    expect(passwordProblem('🔐🔑🗝️🔒🛡️🚪🏰🧱'.slice(0, 16))).toBeUndefined();
  });

  it('when a password is among the most common, then it is refused whatever its case', () => {
    expect(passwordProblem('password')).toMatch(/too common/);
    expect(passwordProblem('PassWord1')).toMatch(/too common/);
    expect(passwordProblem('12345678')).toMatch(/too common/);
  });

  it('when a long Unicode passphrase is given, then no composition rule refuses it', () => {
    expect(passwordProblem('correct horse battery staple ünïcödé 日本語 '.repeat(3))).toBeUndefined();
  });

  it('when accents are composed or decomposed, then both normalize to the same password', () => {
    expect(normalizePassword('cafe\u0301 au lait')).toBe(normalizePassword('caf\u00e9 au lait'));
  });
});
