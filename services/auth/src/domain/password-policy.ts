import { dictionary } from '@zxcvbn-ts/language-common';

export const MIN_PASSWORD_CODE_POINTS = 8;
/** Generous (passphrases welcome) but bounded, so a request cannot make us hash megabytes. */
export const MAX_PASSWORD_CODE_POINTS = 1024;

const commonPasswords: ReadonlySet<string> = new Set((dictionary['passwords-common'] as string[]).filter((p) => [...p].length >= MIN_PASSWORD_CODE_POINTS));

/**
 * NIST SP 800-63B: one canonical form for Unicode so the same passphrase typed on two keyboards
 * (composed vs decomposed accents) is the same password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

/** Why a password is refused, or undefined when it is acceptable. No composition rules. */
export function passwordProblem(password: string): string | undefined {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < MIN_PASSWORD_CODE_POINTS) return `must be at least ${MIN_PASSWORD_CODE_POINTS} characters`;
  if (length > MAX_PASSWORD_CODE_POINTS) return `must be at most ${MAX_PASSWORD_CODE_POINTS} characters`;
  if (commonPasswords.has(normalized.toLowerCase())) return 'is too common; choose a less predictable password';
  return undefined;
}
