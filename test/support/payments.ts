import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createUser, TestUser } from './users';

/**
 * Pays and refunds orders the way an admin does, through the real routes
 * (`POST /admin/orders/:id/payments` and `/refunds`); one admin per app.
 */
export class AdminPayments {
  private admin?: Promise<TestUser>;

  constructor(
    private readonly app: NestFastifyApplication,
    admin?: TestUser,
  ) {
    if (admin) this.admin = Promise.resolve(admin);
  }

  private async auth() {
    this.admin ??= createUser(this.app, 'admin');
    return (await this.admin).auth;
  }

  /** Records money received for a manual order; returns the raw answer. */
  async record(orderId: string, body: Record<string, unknown>) {
    return this.app.inject({
      method: 'POST',
      url: `/api/v1/admin/orders/${orderId}/payments`,
      headers: await this.auth(),
      payload: body,
    });
  }

  /** Pays the order in full (what is still due), as one bank transfer; throws unless 200. */
  async payInFull(orderId: string) {
    const [due] = await this.app
      .get(DataSource)
      .query(`SELECT amount - paid_amount AS due FROM payments WHERE order_id = $1`, [orderId]);
    const res = await this.record(orderId, { amount: due.due, reference: 'TEST-TRANSFER' });
    if (res.statusCode !== 200) throw new Error(`payment failed: ${res.statusCode} ${res.body}`);
    return res.json();
  }

  async refund(orderId: string, body: Record<string, unknown>) {
    return this.app.inject({
      method: 'POST',
      url: `/api/v1/admin/orders/${orderId}/refunds`,
      headers: await this.auth(),
      payload: body,
    });
  }

  /** The refunds of an order, oldest first. */
  async refundsOf(orderId: string): Promise<{ id: string; amount: number; status: string }[]> {
    return this.app
      .get(DataSource)
      .query(`SELECT id, amount, status FROM refunds WHERE order_id = $1 ORDER BY created_at, id`, [
        orderId,
      ]);
  }
}
