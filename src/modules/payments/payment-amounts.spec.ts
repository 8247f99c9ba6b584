import { afterRefunds, applyReceipt, PaymentAmounts, refundable } from './payment-amounts';

const pending: PaymentAmounts = {
  status: 'pending',
  amount: 10_000,
  paidAmount: 0,
  refundedAmount: 0,
  attention: null,
};

describe('payment amounts', () => {
  it('adds partial payments up and pays the order when they reach the total', () => {
    const first = applyReceipt(pending, 'awaiting_payment', 4000);
    expect(first).toMatchObject({ orderTo: null, late: 0, payment: { status: 'pending' } });
    expect(first.payment.paidAmount).toBe(4000);
    const second = applyReceipt(first.payment, 'awaiting_payment', 6000);
    expect(second).toMatchObject({
      orderTo: 'paid',
      late: 0,
      payment: { status: 'paid', paidAmount: 10_000, attention: null },
    });
  });

  it('keeps and flags an overpayment, at payment and after', () => {
    const over = applyReceipt(pending, 'awaiting_payment', 10_500);
    expect(over).toMatchObject({ orderTo: 'paid', payment: { attention: 'overpaid' } });
    const paid = { ...pending, status: 'paid' as const, paidAmount: 10_000 };
    const again = applyReceipt(paid, 'shipped', 100);
    expect(again).toMatchObject({
      orderTo: null,
      late: 0,
      payment: { status: 'paid', paidAmount: 10_100, attention: 'overpaid' },
    });
  });

  it.each(['expired', 'cancelled'] as const)(
    'marks money for an %s order late, to be given back, and never pays the order',
    (status) => {
      const ended = { ...pending, status: status === 'expired' ? 'expired' : 'cancelled' } as const;
      const late = applyReceipt(ended, status, 10_000);
      expect(late).toMatchObject({
        orderTo: null,
        late: 10_000,
        payment: { status: 'refund_required', attention: 'late_payment', paidAmount: 10_000 },
      });
    },
  );

  it('refuses amounts that are not positive whole numbers', () => {
    expect(() => applyReceipt(pending, 'awaiting_payment', 0)).toThrow(RangeError);
    expect(() => applyReceipt(pending, 'awaiting_payment', 1.5)).toThrow(RangeError);
  });

  it('refunds at most what was received and not already refunded', () => {
    expect(refundable({ ...pending, paidAmount: 10_000, refundedAmount: 2500 })).toBe(7500);
    expect(refundable(pending)).toBe(0);
  });

  it('moves a paid order to partially_refunded, then refunded', () => {
    const paid = { ...pending, status: 'paid' as const, paidAmount: 10_000 };
    expect(afterRefunds(paid, 'paid', 3000)).toEqual({
      status: 'partially_refunded',
      orderTo: 'partially_refunded',
      attention: null,
    });
    expect(afterRefunds(paid, 'partially_refunded', 6000)).toMatchObject({
      status: 'partially_refunded',
      orderTo: null,
    });
    expect(afterRefunds(paid, 'partially_refunded', 10_000)).toMatchObject({
      status: 'refunded',
      orderTo: 'refunded',
    });
    expect(afterRefunds(paid, 'delivered', 10_000)).toMatchObject({ orderTo: 'refunded' });
  });

  it('leaves an ended order as it is and settles its late money', () => {
    const late = {
      ...pending,
      status: 'refund_required' as const,
      paidAmount: 10_000,
      attention: 'late_payment' as const,
    };
    expect(afterRefunds(late, 'expired', 10_000)).toEqual({
      status: 'refunded',
      orderTo: null,
      attention: null,
    });
    expect(afterRefunds(late, 'cancelled', 4000)).toMatchObject({
      status: 'refund_required',
      attention: 'late_payment',
    });
  });
});
