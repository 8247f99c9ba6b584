import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const REFUND_ORIGINS = ['admin', 'cancellation', 'late_payment', 'external'] as const;
export type RefundOrigin = (typeof REFUND_ORIGINS)[number];
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];
export type RefundPayout = 'provider' | 'manual';

/** Money given back: requested (pending), then carried out by the provider (succeeded). */
@Entity('refunds')
export class Refund {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  @Column({ type: 'integer' })
  amount!: number;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;

  @Column({ type: 'varchar', length: 12 })
  origin!: RefundOrigin;

  @Column({ type: 'varchar', length: 12, default: 'pending' })
  status!: RefundStatus;

  @Column({ type: 'varchar', length: 12, default: 'provider' })
  payout!: RefundPayout;

  @Column({ name: 'provider_refund_id', type: 'varchar', length: 255, nullable: true })
  providerRefundId!: string | null;

  @Column({ type: 'varchar', length: 300, nullable: true })
  failure!: string | null;

  @Column({ name: 'requested_by', type: 'uuid', nullable: true })
  requestedBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'settled_at', type: 'timestamptz', nullable: true })
  settledAt!: Date | null;
}
