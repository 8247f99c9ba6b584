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

// Written out independently of the table under test: the lifecycle the business agreed.
const LEGAL = new Set([
  'placed>paid',
  'paid>shipped',
  'shipped>delivered',
  'placed>cancelled',
  'paid>cancelled',
  'paid>refunded',
  'shipped>refunded',
  'delivered>refunded',
]);

const pairs = ORDER_STATUSES.flatMap((from) =>
  ORDER_STATUSES.map((to) => [from, to, LEGAL.has(`${from}>${to}`)] as const),
);

describe('order state machine', () => {
  it('has a row for every status', () => {
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it.each(pairs)('%s → %s allowed: %s', (from, to, legal) => {
    expect(canTransition(from, to)).toBe(legal);
    if (legal) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      let error: unknown;
      try {
        assertTransition(from, to);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnprocessableError);
      const problem = error as UnprocessableError;
      expect(problem.status).toBe(422);
      expect(problem.extensions).toMatchObject({ from, to });
      expect(problem.message).toContain(`from ${from} to ${to}`);
    }
  });

  it('makes cancelled and refunded final, and no status a move to itself', () => {
    expect(ORDER_TRANSITIONS.cancelled).toEqual([]);
    expect(ORDER_TRANSITIONS.refunded).toEqual([]);
    for (const s of ORDER_STATUSES) expect(canTransition(s, s)).toBe(false);
  });

  it('e-mails the buyer on shipped, cancelled and refunded only', () => {
    const mailed: OrderStatus[] = ORDER_STATUSES.filter((s) => notifiesBuyer(s));
    expect(mailed).toEqual(['shipped', 'cancelled', 'refunded']);
  });
});

describe('follow-up jobs of a transition', () => {
  const orderId = '3f1c2a4e-6b7d-4c8e-9f00-112233445566';
  const jobIds = (to: OrderStatus) => followUpJobs(orderId, '42', to).map((j) => j.jobId);

  it('queues the status e-mail for shipped and cancelled, nothing for paid or delivered', () => {
    expect(jobIds('paid')).toEqual([]);
    expect(jobIds('delivered')).toEqual([]);
    expect(jobIds('shipped')).toEqual(['mail.order-status.42']);
    expect(jobIds('cancelled')).toEqual(['mail.order-status.42']);
  });

  it('queues the e-mail and the credit note for refunded', () => {
    expect(followUpJobs(orderId, '42', 'refunded')).toEqual([
      {
        queue: 'mail',
        name: 'order-status',
        jobId: 'mail.order-status.42',
        payload: { orderId, historyId: '42', status: 'refunded' },
      },
      {
        queue: 'invoices',
        name: 'credit-note',
        jobId: `credit-note.${orderId}`,
        payload: { orderId },
      },
    ]);
  });
});
