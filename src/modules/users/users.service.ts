import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { BadRequestError } from '../../common/errors/domain-errors';
import { CoalescedBatch } from '../../common/async/coalesced-batch';
import { isUuidText } from '../../common/text/uuid';
import { preparedQuery } from '../../database/sql';
import { PostalAddress, User } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { Role } from '../../common/auth/role';

/** An account as the users module hands it out (the entity stays this module's internals). */
export type UserAccount = User;

export interface GrantResult {
  user: User;
  created: boolean;
}

/** A signed-in user's current state, as every authenticated request reads it. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  address: PostalAddress | null;
  /** The rest of the profile, read in the same statement: `GET /users/me` answers from it. */
  emailVerifiedAt: Date | null;
  avatarFile: string | null;
  phone: string | null;
  createdAt: Date;
}

/**
 * A condition on the user row `u` whose SQL another module owns (the auth module's live-session
 * check on its own table), on one value per lookup, `q.param` (a uuid): ANDed into the users
 * module's read so that the check stays one statement.
 */
export type UserRowCondition = string;

/** Reads the active user `id` for whom the condition holds with `param`; see `activeLookup`. */
export type ActiveUserLookup = (id: string, param: string) => Promise<SessionUser | undefined>;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
  ) {}

  /**
   * Reads an active, not deleted user for whom `condition` holds (the auth module passes its
   * live-session check); undefined otherwise. Every signed-in request runs it, so that logout,
   * "sign out everywhere", a password change or reset and deactivation end access at once. The
   * lookups of concurrent requests go as one prepared statement (CoalescedBatch): each is still
   * read by a statement sent after it was asked. It carries what checkout snapshots of the
   * buyer (name, e-mail, address), so that placing an order reads no user row of its own.
   */
  activeLookup(condition: UserRowCondition): ActiveUserLookup {
    const sql = `SELECT q.n, u.id, u.email, u.name, u.roles, u.address,
              u.email_verified_at AS "emailVerifiedAt", u.avatar_file AS "avatarFile", u.phone,
              u.created_at AS "createdAt"
         FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS q(id, param, n)
         JOIN users u ON u.id = q.id
        WHERE u.active AND u.deleted_at IS NULL AND ${condition}`;
    const batch = new CoalescedBatch<{ id: string; param: string }, SessionUser | undefined>(
      async (keys) => {
        const found = new Array<SessionUser | undefined>(keys.length);
        // A value PostgreSQL cannot read as a uuid would fail the statement the others share:
        // such a key finds no one, without a round trip.
        const asked = keys.flatMap((key, i) =>
          isUuidText(key.id) && isUuidText(key.param) ? [i] : [],
        );
        if (!asked.length) return found;
        const rows = await preparedQuery<SessionUser & { n: string }>(this.db, sql, [
          asked.map((i) => keys[i].id),
          asked.map((i) => keys[i].param),
        ]);
        for (const { n, ...user } of rows) found[asked[Number(n) - 1]] = user;
        return found;
      },
    );
    return (id, param) => batch.load({ id, param });
  }

  /** The id of the active, not deleted account with this (normalised) e-mail. */
  async activeIdByEmail(
    email: string,
    manager: EntityManager = this.db.manager,
  ): Promise<string | undefined> {
    const [row] = await manager.query<{ id: string }[]>(
      `SELECT id FROM users WHERE email = $1 AND active AND deleted_at IS NULL`,
      [email],
    );
    return row?.id;
  }

  /** Where to write to a user: their current address and name (undefined once deleted). */
  async recipient(id: string): Promise<{ email: string; name: string } | undefined> {
    const [user] = await this.db.query<{ email: string; name: string }[]>(
      `SELECT email, name FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return user;
  }

  /** Display names by user id (deleted accounts answer 'Deleted user'). */
  async displayNames(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.db.query<{ id: string; name: string }[]>(
      `SELECT id, name FROM users WHERE id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Marks the e-mail verified (kept as first verified when it already was). */
  async markEmailVerified(id: string): Promise<void> {
    await this.db.query(
      `UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1`,
      [id],
    );
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
  }

  findById(id: string, manager: EntityManager = this.db.manager): Promise<User | null> {
    return manager.findOneBy(User, { id });
  }

  /** Whether any account, active or not, has this e-mail. */
  emailTaken(email: string): Promise<boolean> {
    return this.users.exists({ where: { email: normalizeEmail(email) } });
  }

  /** A new customer account, in the caller's transaction (registration writes more with it). */
  createCustomer(
    manager: EntityManager,
    input: { email: string; passwordHash: string; name: string },
  ): Promise<User> {
    return manager.save(
      manager.create(User, { ...input, email: normalizeEmail(input.email), roles: ['customer'] }),
    );
  }

  /**
   * Sets the password of an active, not deleted account and marks its e-mail verified (the
   * reset link reached the inbox). False when there is no such account.
   */
  async resetPassword(manager: EntityManager, id: string, passwordHash: string): Promise<boolean> {
    const changed = await manager.update(
      User,
      { id, active: true, deletedAt: IsNull() },
      { passwordHash, emailVerifiedAt: () => 'COALESCE(email_verified_at, now())' },
    );
    return Boolean(changed.affected);
  }

  /**
   * For operators: creates the user with `role`, or adds `role` to the existing account with
   * that e-mail (its password is left as it is; `password` is needed only to create).
   */
  async createOrGrant(input: {
    email: string;
    password?: string;
    name: string;
    role: Role;
    address?: PostalAddress;
  }): Promise<GrantResult> {
    const existing = await this.findByEmail(input.email);
    if (existing) {
      if (!existing.roles.includes(input.role)) {
        existing.roles = [...existing.roles, input.role];
        await this.users.update(existing.id, { roles: existing.roles });
      }
      return { user: existing, created: false };
    }
    if (!input.password) throw new BadRequestError('A password is needed to create a user.');
    const roles: Role[] = input.role === 'customer' ? ['customer'] : ['customer', input.role];
    const user = await this.users.save(
      this.users.create({
        email: normalizeEmail(input.email),
        passwordHash: await this.hasher.hash(input.password),
        name: input.name,
        roles,
        address: input.address ?? null,
        emailVerifiedAt: new Date(),
      }),
    );
    return { user, created: true };
  }

  count(): Promise<number> {
    return this.users.count();
  }
}
