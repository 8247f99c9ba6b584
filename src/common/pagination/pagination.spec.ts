import { BadRequestError } from '../errors/domain-errors';
import { decodeCursor, encodeCursor, toPage } from './pagination';

describe('pagination', () => {
  it('round-trips a cursor', () => {
    const cursor = encodeCursor(['2026-11-25T10:00:00.123456Z', 'a-b']);
    expect(decodeCursor(cursor, ['string', 'string'])).toEqual([
      '2026-11-25T10:00:00.123456Z',
      'a-b',
    ]);
  });

  it.each(['%%%', encodeCursor([1, 'x']), encodeCursor(['x']), 'bm90IGpzb24'])(
    'refuses a forged or malformed cursor (%s) with a 400',
    (cursor) => {
      expect(() => decodeCursor(cursor, ['string', 'string'])).toThrow(BadRequestError);
    },
  );

  it('gives a cursor only when a further row exists', () => {
    const key = (n: number) => [n];
    expect(toPage([1, 2, 3], 2, String, key)).toEqual({
      items: ['1', '2'],
      nextCursor: encodeCursor([2]),
    });
    expect(toPage([1, 2], 2, String, key)).toEqual({ items: ['1', '2'], nextCursor: null });
  });
});
