import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';

export type UserTokenPurpose = 'verify-email' | 'reset-password';

/** A single-use, expiring token sent by e-mail; stored only as the SHA-256 of its value. */
@Entity('user_tokens')
@Check('user_tokens_purpose_check', `"purpose" IN ('verify-email', 'reset-password')`)
// Partial index: TypeORM cannot compare its predicate; the migration defines it.
@Index('IDX_user_tokens_pending', { synchronize: false })
export class UserToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('IDX_user_tokens_user')
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  /** The foreign key to `users` (named, not imported: the users module owns that entity). */
  @ManyToOne('User', { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_tokens_user_id_fkey' })
  readonly user?: object;

  @Column({ type: 'varchar', length: 20 })
  purpose!: UserTokenPurpose;

  @Index('UQ_user_tokens_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
