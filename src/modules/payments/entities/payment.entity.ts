import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { PaymentProviderName } from '../payment-provider';

export { PAYMENT_STATUSES, PaymentStatus } from '../../orders/order-payments';
import type { PaymentStatus } from '../../orders/order-payments';

export const PAYMENT_ATTENTION = ['overpaid', 'late_payment'] as const;
export type PaymentAttention = (typeof PAYMENT_ATTENTION)[number];

/** One payment per order (written only by PaymentsRepository). */
@Entity('payments')
export class Payment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  @Column({ type: 'varchar', length: 20 })
  provider!: PaymentProviderName;

  @Column({ type: 'varchar', length: 20, default: 'pending' })
  status!: PaymentStatus;

  @Column({ type: 'integer' })
  amount!: number;

  @Column({ name: 'paid_amount', type: 'integer', default: 0 })
  paidAmount!: number;

  /** Refunds requested and not failed (pending ones included: they reserve their amount). */
  @Column({ name: 'refunded_amount', type: 'integer', default: 0 })
  refundedAmount!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ name: 'provider_reference', type: 'varchar', length: 255, nullable: true })
  providerReference!: string | null;

  @Column({ name: 'client_data', type: 'jsonb', default: {} })
  clientData!: Record<string, unknown>;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'varchar', length: 20, nullable: true })
  attention!: PaymentAttention | null;

  @Column({ name: 'last_failure', type: 'varchar', length: 300, nullable: true })
  lastFailure!: string | null;

  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true })
  paidAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
