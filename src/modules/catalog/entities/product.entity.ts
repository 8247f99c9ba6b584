import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const PRODUCT_STATUSES = ['draft', 'published', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/** Read through hand-written SQL (see ProductsRepository); written through this entity. */
@Entity('products')
export class Product {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'shop_id', type: 'uuid' })
  shopId!: string;

  @Column({ name: 'category_id', type: 'uuid', nullable: true })
  categoryId!: string | null;

  /** Set once from the first title; stable afterwards. */
  @Column({ type: 'varchar', length: 160 })
  slug!: string;

  @Column({ type: 'varchar', length: 140 })
  title!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 10, default: 'draft' })
  status!: ProductStatus;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  attributes!: Record<string, unknown>;

  /** Generated file names under UPLOAD_DIR/products, in display order. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  images!: string[];

  /** Sum and count of ratings, kept exact by atomic increments; the average derives from them. */
  @Column({ name: 'rating_sum', type: 'integer', default: 0 })
  ratingSum!: number;

  @Column({ name: 'rating_count', type: 'integer', default: 0 })
  ratingCount!: number;

  /** Denormalised from the live variants for the listing's price filter and sort. */
  @Column({ name: 'min_price', type: 'integer', default: 0 })
  minPrice!: number;

  @Column({ name: 'max_price', type: 'integer', default: 0 })
  maxPrice!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
