import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const STOCK_REASONS = ['order', 'cancellation', 'expiry', 'adjustment', 'return'] as const;
export type StockReason = (typeof STOCK_REASONS)[number];

/** One row per stock change, written only by InventoryService. */
@Entity('stock_movements')
export class StockMovement {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'variant_id', type: 'uuid' })
  variantId!: string;

  @Column({ type: 'integer' })
  delta!: number;

  @Column({ type: 'varchar', length: 20 })
  reason!: StockReason;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ name: 'order_id', type: 'uuid', nullable: true })
  orderId!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  note!: string | null;

  @Column({ name: 'resulting_stock', type: 'integer' })
  resultingStock!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
