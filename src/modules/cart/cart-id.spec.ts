import { isGuestCartId, newGuestCartId } from './cart-id';

describe('guest cart ids', () => {
  it('are 128-bit base64url, never repeated, across several draws of random bytes', () => {
    const ids = Array.from({ length: 1000 }, () => newGuestCartId());
    expect(ids.every(isGuestCartId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => Buffer.from(id, 'base64url').length === 16)).toBe(true);
  });

  it('refuses anything else as an id', () => {
    for (const bad of [
      '',
      'short',
      `${newGuestCartId()}x`,
      'a'.repeat(21) + '=',
      '../../etc/pass',
    ]) {
      expect(isGuestCartId(bad)).toBe(false);
    }
  });
});
