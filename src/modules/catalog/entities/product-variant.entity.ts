import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@Entity('product_variants')
export class ProductVariant {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'product_id', type: 'uuid' })
  productId!: string;

  /** Unique across the store. */
  @Column({ type: 'varchar', length: 64 })
  sku!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  options!: Record<string, string>;

  /** Minor units. */
  @Column({ type: 'integer' })
  price!: number;

  /** Changed only by InventoryService (CHECK stock >= 0 in the database). */
  @Column({ type: 'integer', default: 0, update: false })
  stock!: number;

  @Column({ name: 'low_stock_threshold', type: 'integer', default: 5 })
  lowStockThreshold!: number;

  @Column({ type: 'boolean', default: false })
  archived!: boolean;

  @Column({ type: 'integer', default: 0 })
  position!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
