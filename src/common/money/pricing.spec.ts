import { divideRoundHalfUp, priceOrder, PricingRules } from './pricing';

const rules: PricingRules = { taxRateBps: 2000, shippingFlat: 499, freeShippingOver: 5000 };

describe('priceOrder', () => {
  it('adds the lines, 20 % tax and flat shipping below the threshold', () => {
    expect(
      priceOrder(
        [
          { unitPrice: 1000, quantity: 2 },
          { unitPrice: 250, quantity: 3 },
        ],
        rules,
      ),
    ).toEqual({ subtotal: 2750, tax: 550, shipping: 499, total: 3799 });
  });

  it('ships free exactly at the threshold and charges one minor unit below it', () => {
    expect(priceOrder([{ unitPrice: 5000, quantity: 1 }], rules).shipping).toBe(0);
    expect(priceOrder([{ unitPrice: 4999, quantity: 1 }], rules).shipping).toBe(499);
  });

  it('rounds the tax half up: .5 goes up, just below .5 goes down', () => {
    const r = { ...rules, taxRateBps: 1900 };
    // 50 × 19 % = 9.5 → 10; 49 × 19 % = 9.31 → 9; 150 × 19 % = 28.5 → 29
    expect(priceOrder([{ unitPrice: 50, quantity: 1 }], r).tax).toBe(10);
    expect(priceOrder([{ unitPrice: 49, quantity: 1 }], r).tax).toBe(9);
    expect(priceOrder([{ unitPrice: 150, quantity: 1 }], r).tax).toBe(29);
    // 0.7 % of 7143 = 50.001 → 50; of 7142 = 49.994 → 50; of 7071 = 49.497 → 49
    const small = { ...rules, taxRateBps: 70 };
    expect(priceOrder([{ unitPrice: 7143, quantity: 1 }], small).tax).toBe(50);
    expect(priceOrder([{ unitPrice: 7142, quantity: 1 }], small).tax).toBe(50);
    expect(priceOrder([{ unitPrice: 7071, quantity: 1 }], small).tax).toBe(49);
  });

  it('avoids the float error of Math.round(x × rate)', () => {
    // 1.005 × 100 is 100.49999… in floating point; in integers 201 × 50 % = 100.5 → 101.
    expect(priceOrder([{ unitPrice: 201, quantity: 1 }], { ...rules, taxRateBps: 5000 }).tax).toBe(
      101,
    );
    expect(
      priceOrder([{ unitPrice: 2_000_000_001, quantity: 1 }], { ...rules, taxRateBps: 5 }).tax,
    ).toBe(1_000_000);
  });

  it('charges no tax at 0 bps and the whole subtotal at 10000 bps', () => {
    expect(priceOrder([{ unitPrice: 999, quantity: 1 }], { ...rules, taxRateBps: 0 }).tax).toBe(0);
    expect(priceOrder([{ unitPrice: 999, quantity: 1 }], { ...rules, taxRateBps: 10000 }).tax).toBe(
      999,
    );
  });

  it('refuses totals that do not fit the order columns', () => {
    expect(() => priceOrder([{ unitPrice: 2_000_000_000, quantity: 2 }], rules)).toThrow(
      RangeError,
    );
    expect(() => priceOrder([{ unitPrice: 2_000_000_000, quantity: 1 }], rules)).toThrow(
      RangeError,
    );
  });
});

describe('divideRoundHalfUp', () => {
  it.each([
    [0, 10000, 0],
    [4999, 10000, 0],
    [5000, 10000, 1],
    [15000, 10000, 2],
    [14999, 10000, 1],
  ])('%i / %i → %i', (n, d, expected) => {
    expect(divideRoundHalfUp(n, d)).toBe(expected);
  });
});
