import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull, Repository } from 'typeorm';
import type { Actor } from '../../common/decorators/current-user.decorator';
import { UnauthorizedError, ValidationFailedError } from '../../common/errors/domain-errors';
import { ImageStorage } from '../../common/uploads/image-storage.service';
import { assertAcceptablePassword } from './password-policy';
import { OrdersRepository } from '../orders/orders.repository';
import { ChangePasswordDto, UpdateMeDto } from './dto/users.dto';
import { toUserResponse, UserResponse } from './dto/user.response';
import { User } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { USER_SESSIONS, UserSessions } from './user-sessions';

/** The signed-in user's own account: profile, password, avatar, deletion. */
@Injectable()
export class AccountService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    @Inject(USER_SESSIONS) private readonly sessions: UserSessions,
    private readonly images: ImageStorage,
    private readonly orders: OrdersRepository,
  ) {}

  /** Answered from the row the request was authenticated with (one statement per request). */
  async get(actor: Actor): Promise<UserResponse> {
    if (actor.profile) return toUserResponse({ ...actor, ...actor.profile, active: true });
    return toUserResponse(await this.load(actor));
  }

  async update(actor: Actor, input: UpdateMeDto): Promise<UserResponse> {
    const user = await this.load(actor);
    if (input.name !== undefined) user.name = input.name;
    if (input.phone !== undefined) user.phone = input.phone;
    if (input.address !== undefined) {
      user.address = input.address && {
        line1: input.address.line1,
        city: input.address.city,
        postalCode: input.address.postalCode,
        country: input.address.country,
        ...(input.address.line2 ? { line2: input.address.line2 } : {}),
        ...(input.address.state ? { state: input.address.state } : {}),
      };
    }
    return toUserResponse(await this.users.save(user));
  }

  /** Changes the password and signs out every other session. */
  async changePassword(actor: Actor, input: ChangePasswordDto): Promise<void> {
    const user = await this.load(actor);
    if (!(await this.hasher.verify(user.passwordHash, input.currentPassword))) {
      throw new ValidationFailedError(
        [{ field: 'currentPassword', message: 'is not your current password' }],
        'The current password is wrong.',
      );
    }
    assertAcceptablePassword(input.newPassword, user.email, 'newPassword');
    const passwordHash = await this.hasher.hash(input.newPassword);
    await this.db.transaction(async (manager) => {
      await manager.update(User, { id: user.id }, { passwordHash });
      await this.sessions.revokeAll(user.id, manager, actor.sessionId);
    });
  }

  /** Stores the image (re-encoded as an avatar), points the account at it, removes the previous. */
  async replaceAvatar(actor: Actor, image: Buffer): Promise<UserResponse> {
    const user = await this.load(actor);
    const { fileName } = await this.images.store('avatar', image);
    const previous = user.avatarFile;
    user.avatarFile = fileName;
    let saved: User;
    try {
      saved = await this.users.save(user);
    } catch (error) {
      await this.images.remove('avatars', fileName);
      throw error;
    }
    if (previous) await this.images.remove('avatars', previous);
    return toUserResponse(saved);
  }

  /**
   * Erases the personal data and closes the account. The row stays, and so do the orders, with
   * the buyer anonymised in the same transaction; the e-mail becomes free for a new account.
   */
  async delete(actor: Actor, password: string): Promise<void> {
    const user = await this.load(actor);
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      throw new ValidationFailedError(
        [{ field: 'password', message: 'is not your current password' }],
        'The password is wrong.',
      );
    }
    const unusableHash = `!deleted:${randomBytes(16).toString('hex')}`;
    const anonymousEmail = `deleted-${user.id}@deleted.invalid`;
    await this.db.transaction(async (manager) => {
      await manager.update(
        User,
        { id: user.id },
        {
          email: anonymousEmail,
          name: 'Deleted user',
          phone: null,
          address: null,
          avatarFile: null,
          passwordHash: unusableHash,
          emailVerifiedAt: null,
          active: false,
          deletedAt: new Date(),
        },
      );
      await this.sessions.revokeAll(user.id, manager);
      await this.sessions.revokeLinks(user.id, manager);
      await this.orders.anonymiseBuyer(manager, user.id, anonymousEmail);
    });
    if (user.avatarFile) await this.images.remove('avatars', user.avatarFile);
  }

  private async load(actor: Actor): Promise<User> {
    const user = await this.users.findOneBy({ id: actor.id, active: true, deletedAt: IsNull() });
    if (!user) throw new UnauthorizedError('This account is not active.');
    return user;
  }
}
