/** Order totals in integer minor units; no floating point anywhere. */
export interface PricingRules {
  /** Tax rate in basis points (2000 = 20 %). */
  taxRateBps: number;
  shippingFlat: number;
  /** Subtotal at or above which shipping is free. */
  freeShippingOver: number;
}

export interface OrderTotals {
  subtotal: number;
  tax: number;
  shipping: number;
  total: number;
}

/** The largest amount a total column holds (PostgreSQL `integer`). */
export const MAX_AMOUNT = 2_147_483_647;

/** `numerator / denominator` rounded half up, for non-negative integers. */
export function divideRoundHalfUp(numerator: number, denominator: number): number {
  const quotient = Math.floor(numerator / denominator);
  const remainder = numerator - quotient * denominator;
  return remainder * 2 >= denominator ? quotient + 1 : quotient;
}

/**
 * Subtotal of the lines; tax = subtotal × rate, rounded half up to the minor unit; flat
 * shipping unless the subtotal reaches the free-shipping threshold. Throws a RangeError when
 * an amount would not fit the order columns.
 */
export function priceOrder(
  lines: { unitPrice: number; quantity: number }[],
  rules: PricingRules,
): OrderTotals {
  let subtotal = 0;
  for (const line of lines) {
    if (!Number.isSafeInteger(line.unitPrice) || !Number.isSafeInteger(line.quantity)) {
      throw new RangeError('Prices and quantities must be whole numbers.');
    }
    subtotal += line.unitPrice * line.quantity;
  }
  if (subtotal > MAX_AMOUNT) throw new RangeError('The order total is too large.');
  // subtotal × 10000 stays far below 2^53, so the product is exact.
  const tax = divideRoundHalfUp(subtotal * rules.taxRateBps, 10_000);
  const shipping = subtotal >= rules.freeShippingOver ? 0 : rules.shippingFlat;
  const total = subtotal + tax + shipping;
  if (total > MAX_AMOUNT) throw new RangeError('The order total is too large.');
  return { subtotal, tax, shipping, total };
}
