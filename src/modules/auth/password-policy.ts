import { ValidationFailedError } from '../../common/errors/domain-errors';
import { PASSWORD_MAX, PASSWORD_MIN } from './dto/auth.dto';

/** Refuses passwords that are too short, too long, or made from the account's e-mail. */
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
  if (problems.length) {
    throw new ValidationFailedError(problems.map((message) => ({ field, message })));
  }
}
