import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A provider webhook event, stored once by `(provider, event_id)`: duplicates do nothing. */
@Entity('payment_events')
export class PaymentEventRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 20 })
  provider!: string;

  @Column({ name: 'event_id', type: 'varchar', length: 255 })
  eventId!: string;

  @Column({ type: 'varchar', length: 40 })
  type!: string;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  @Column({ name: 'provider_reference', type: 'varchar', length: 255 })
  providerReference!: string;

  @Column({ type: 'integer' })
  amount!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** What applying it did, for support: `paid`, `duplicate receipt`, `unknown payment`… */
  @Column({ type: 'varchar', length: 200 })
  outcome!: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
