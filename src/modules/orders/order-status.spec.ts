import { UnprocessableError } from '../../common/errors/domain-errors';
import {
  assertTransition,
  canTransition,
  followUpJobs,
  notifiesBuyer,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  OrderStatus,
} from './order-status';

// Written out independently of the table under test: the lifecycle the business agreed, and
// who causes each move (staff by hand, or the payment: money received, window passed, refund).
const LEGAL = new Map([
  ['awaiting_payment>paid', 'payment'],
  ['awaiting_payment>expired', 'payment'],
  ['awaiting_payment>cancelled', 'staff'],
  ['paid>shipped', 'staff'],
  ['paid>cancelled', 'staff'],
  ['paid>partially_refunded', 'payment'],
  ['paid>refunded', 'payment'],
  ['shipped>delivered', 'staff'],
  ['shipped>partially_refunded', 'payment'],
  ['shipped>refunded', 'payment'],
  ['delivered>partially_refunded', 'payment'],
  ['delivered>refunded', 'payment'],
  ['partially_refunded>shipped', 'staff'],
  ['partially_refunded>delivered', 'staff'],
  ['partially_refunded>refunded', 'payment'],
]);

const pairs = ORDER_STATUSES.flatMap((from) =>
  ORDER_STATUSES.map((to) => [from, to, LEGAL.get(`${from}>${to}`)] as const),
);

function refusal(run: () => void): UnprocessableError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UnprocessableError);
    return error as UnprocessableError;
  }
  throw new Error('expected a 422');
}

describe('order state machine', () => {
  it('has a row for every status', () => {
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it.each(pairs)('%s → %s caused by: %s', (from, to, trigger) => {
    expect(canTransition(from, to)).toBe(trigger !== undefined);
    if (trigger === 'staff' || trigger === 'payment') {
      expect(() => assertTransition(from, to, trigger)).not.toThrow();
      const other = trigger === 'staff' ? 'payment' : 'staff';
      const problem = refusal(() => assertTransition(from, to, other));
      expect(problem.status).toBe(422);
      expect(problem.extensions).toMatchObject({ from, to });
    } else {
      const problem = refusal(() => assertTransition(from, to));
      expect(problem.status).toBe(422);
      expect(problem.extensions).toMatchObject({ from, to });
      expect(problem.message).toContain(`from ${from} to ${to}`);
    }
  });

  it('makes cancelled, expired and refunded final, and no status a move to itself', () => {
    expect(ORDER_TRANSITIONS.cancelled).toEqual({});
    expect(ORDER_TRANSITIONS.expired).toEqual({});
    expect(ORDER_TRANSITIONS.refunded).toEqual({});
    for (const s of ORDER_STATUSES) expect(canTransition(s, s)).toBe(false);
  });

  it('tells an admin trying to mark an order paid to record the money instead', () => {
    const problem = refusal(() => assertTransition('awaiting_payment', 'paid', 'staff'));
    expect(problem.message).toContain('POST /admin/orders/:id/payments');
    expect(problem.extensions).toMatchObject({ allowed: ['cancelled'] });
  });

  it('e-mails the buyer on shipped, cancelled and expired (refunds send their own)', () => {
    const mailed: OrderStatus[] = ORDER_STATUSES.filter((s) => notifiesBuyer(s));
    expect(mailed).toEqual(['shipped', 'cancelled', 'expired']);
  });
});

describe('follow-up jobs of a transition', () => {
  const orderId = '3f1c2a4e-6b7d-4c8e-9f00-112233445566';
  const jobIds = (to: OrderStatus) => followUpJobs(orderId, '42', to).map((j) => j.jobId);

  it('issues the invoice when the order is paid, never before', () => {
    expect(followUpJobs(orderId, '42', 'paid')).toEqual([
      { queue: 'invoices', name: 'invoice', jobId: `invoice.${orderId}`, payload: { orderId } },
    ]);
    expect(jobIds('awaiting_payment')).toEqual([]);
  });

  it('queues the status e-mail for shipped, cancelled and expired, nothing else', () => {
    expect(jobIds('delivered')).toEqual([]);
    expect(jobIds('shipped')).toEqual(['mail.order-status.42']);
    expect(jobIds('cancelled')).toEqual(['mail.order-status.42']);
    expect(followUpJobs(orderId, '42', 'expired')).toEqual([
      {
        queue: 'mail',
        name: 'order-status',
        jobId: 'mail.order-status.42',
        payload: { orderId, historyId: '42', status: 'expired' },
      },
    ]);
    expect(jobIds('partially_refunded')).toEqual([]);
    expect(jobIds('refunded')).toEqual([]);
  });
});
