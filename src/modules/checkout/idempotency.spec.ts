import { BadRequestError } from '../../common/errors/domain-errors';
import { canonicalJson, parseIdempotencyKey, requestHash } from './idempotency';

describe('parseIdempotencyKey', () => {
  it.each(['a', 'order-2026-11-26 #1', 'x'.repeat(255), '~!@#$%^&*()'])('accepts %j', (key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it.each([undefined, '', 'x'.repeat(256), ' leading', 'trailing ', 'tab\there', 'é', 'new\nline'])(
    'refuses %j with a 400',
    (key) => {
      expect(() => parseIdempotencyKey(key)).toThrow(BadRequestError);
    },
  );
});

describe('requestHash', () => {
  it('does not depend on key order or undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    expect(requestHash({ note: 'x', shippingAddress: { city: 'B', line1: 'L' } })).toBe(
      requestHash({ shippingAddress: { line1: 'L', city: 'B' }, note: 'x', extra: undefined }),
    );
  });

  it('differs when a value differs', () => {
    expect(requestHash({ note: 'x' })).not.toBe(requestHash({ note: 'y' }));
    expect(requestHash({})).toMatch(/^[0-9a-f]{64}$/);
  });
});
