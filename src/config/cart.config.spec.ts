import { loadCartConfig } from './cart.config';
import { ConfigValidationError } from './validate-env';

describe('cart configuration', () => {
  it('defaults to 30 days, 99 per line and 100 lines', () => {
    expect(loadCartConfig({})).toEqual({
      ttlSeconds: 30 * 86400,
      maxLineQuantity: 99,
      maxLines: 100,
    });
  });

  it('reads durations and numbers from their string form', () => {
    expect(
      loadCartConfig({ CART_TTL: '12h', CART_MAX_LINE_QUANTITY: '5', CART_MAX_LINES: '10' }),
    ).toEqual({ ttlSeconds: 43200, maxLineQuantity: 5, maxLines: 10 });
  });

  it.each([
    [{ CART_TTL: 'forever' }, 'CART_TTL'],
    [{ CART_MAX_LINE_QUANTITY: '0' }, 'CART_MAX_LINE_QUANTITY'],
    [{ CART_MAX_LINES: 'many' }, 'CART_MAX_LINES'],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => loadCartConfig(env)).toThrow(ConfigValidationError);
    expect(() => loadCartConfig(env)).toThrow(name);
  });
});
