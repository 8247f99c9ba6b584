import { BadRequestError } from '../errors/domain-errors';
import { decodeCursor, encodeCursor, toPage } from './cursor';

const id = '3f1c2a4e-6b7d-4c8e-9f00-112233445566';

describe('keyset cursor', () => {
  it('round-trips the sort key and id', () => {
    const raw = encodeCursor({ s: 'newest', v: '2026-11-25 10:00:00.123456+00', id });
    expect(decodeCursor(raw, 'newest')).toEqual({
      s: 'newest',
      v: '2026-11-25 10:00:00.123456+00',
      id,
    });
  });

  it('refuses garbage, a cursor of another sort and a bad id with a 400', () => {
    expect(() => decodeCursor('not-a-cursor', 'newest')).toThrow(BadRequestError);
    expect(() => decodeCursor(encodeCursor({ s: 'price', v: '1', id }), 'newest')).toThrow(
      BadRequestError,
    );
    expect(() => decodeCursor(encodeCursor({ s: 'newest', v: '1', id: 'x' }), 'newest')).toThrow(
      BadRequestError,
    );
  });

  it('gives a next cursor only when there are more rows than the limit', () => {
    const rows = [1, 2, 3].map((n) => ({ n, id }));
    const page = toPage(
      rows,
      2,
      (r) => r.n,
      (r) => ({ s: 'x', v: String(r.n), id: r.id }),
    );
    expect(page.items).toEqual([1, 2]);
    expect(decodeCursor(page.nextCursor!, 'x').v).toBe('2');
    expect(
      toPage(
        rows,
        3,
        (r) => r.n,
        () => ({ s: 'x', v: null, id }),
      ).nextCursor,
    ).toBeNull();
  });

  describe('values checked per sort', () => {
    const decode = (v: string, kind: 'integer' | 'number' | 'timestamp') =>
      decodeCursor(encodeCursor({ s: 'x', v, id }), 'x', kind).v;

    it.each([
      ['2026-11-30 03:25:34.123456+00', 'timestamp'],
      ['2026-11-30T03:25:34.123456Z', 'timestamp'],
      ['2026-11-30 03:25:34+05:30', 'timestamp'],
      ['1999', 'integer'],
      ['-3', 'integer'],
      ['0.0607927', 'number'],
      ['4.5', 'number'],
    ] as const)('accepts %p as %s', (v, kind) => {
      expect(decode(v, kind)).toBe(v);
    });

    it.each([
      ['yesterday', 'timestamp'],
      ['2026-13-45 03:25:34+00', 'timestamp'],
      ['abc', 'integer'],
      ['2147483648', 'integer'],
      ['1.5', 'integer'],
      ['1e999', 'number'],
      ['NaN', 'number'],
    ] as const)('refuses %p as %s', (v, kind) => {
      expect(() => decode(v, kind)).toThrow(BadRequestError);
    });
  });
});
