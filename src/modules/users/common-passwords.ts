import { dictionary } from '@zxcvbn-ts/language-common';

let common: ReadonlySet<string> | undefined;

/**
 * Whether `password` is on the common-password list of `@zxcvbn-ts/language-common` (about
 * 49,000 passwords most seen in breaches, shipped in the package: no network call). Compared
 * case-insensitively. The set is built on first use.
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common'].map((p) => String(p).toLowerCase()));
  return common.has(password.toLowerCase());
}
