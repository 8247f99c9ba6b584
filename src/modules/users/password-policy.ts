import { ValidationFailedError } from '../../common/errors/domain-errors';
import { isCommonPassword } from './common-passwords';

/** Password length bounds of the one policy (register, reset, change, CLI). */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;

/**
 * The one password policy (API and CLI): 10 to 128 characters, at least 4 different ones,
 * not made from the account's e-mail, and not one of the commonly breached passwords.
 */
export function assertAcceptablePassword(password: string, email: string, field = 'password') {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    problems.push(`must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long`);
  }
  const lower = password.toLowerCase();
  const local = email.toLowerCase().split('@')[0];
  if (lower.includes(email.toLowerCase()) || (local.length >= 4 && lower.includes(local))) {
    problems.push('must not contain your e-mail address');
  }
  if (new Set(password).size < 4) problems.push('must use at least 4 different characters');
  if (isCommonPassword(password)) {
    problems.push('is one of the most common passwords (found in breaches); choose another');
  }
  if (problems.length) {
    throw new ValidationFailedError(problems.map((message) => ({ field, message })));
  }
}
