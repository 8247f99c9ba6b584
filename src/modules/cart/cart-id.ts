import { randomBytes } from 'node:crypto';

/** A guest cart id: base64url of 16 random bytes (128 bits), so it cannot be guessed. */
export function newGuestCartId(): string {
  return randomBytes(16).toString('base64url');
}

const GUEST_CART_ID = /^[A-Za-z0-9_-]{22}$/;

export function isGuestCartId(value: string): boolean {
  return GUEST_CART_ID.test(value);
}
