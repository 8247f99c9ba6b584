import { randomBytes } from 'node:crypto';

const ID_BYTES = 16;
/** Random bytes drawn at once for this many ids: one call into the CSPRNG cost ~15 µs each. */
const IDS_PER_DRAW = 128;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * A guest cart id: base64url of 16 random bytes (128 bits), so it cannot be guessed. The bytes
 * come from the CSPRNG in draws of IDS_PER_DRAW ids (as Node's `randomUUID` buffers its own),
 * each byte used once.
 */
export function newGuestCartId(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * IDS_PER_DRAW);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

const GUEST_CART_ID = /^[A-Za-z0-9_-]{22}$/;

export function isGuestCartId(value: string): boolean {
  return GUEST_CART_ID.test(value);
}
