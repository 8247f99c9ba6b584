import { randomBytes } from 'node:crypto';

/** `"Two-Person Tent (Green)"` → `"two-person-tent-green"`; never empty. */
export function slugify(text: string, maxLength = 100): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return slug || 'item';
}

/** Candidate slugs for a unique column: the base first, then base + a short random suffix. */
export function* slugCandidates(text: string, maxLength = 100): Generator<string> {
  const base = slugify(text, maxLength - 7);
  yield base;
  for (let i = 0; i < 5; i++) yield `${base}-${randomBytes(3).toString('hex')}`;
}

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
