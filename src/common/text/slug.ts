import { randomBytes } from 'node:crypto';
import { isUuidText } from './uuid';

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

/** The longest slug of any table (products: 160; categories 100, shops 140). */
export const MAX_SLUG_LENGTH = 160;

/**
 * What a route's `idOrSlug` value names: an id (a UUID, lower-cased), else a slug, else null
 * (neither shape: nothing can match it). An id wins over a slug of the same shape.
 */
export function parseIdOrSlug(value: string): { id: string } | { slug: string } | null {
  if (isUuidText(value)) return { id: value.toLowerCase() };
  if (SLUG_PATTERN.test(value) && value.length <= MAX_SLUG_LENGTH) return { slug: value };
  return null;
}
