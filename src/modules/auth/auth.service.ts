import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { ConflictError, UnauthorizedError } from '../../common/errors/domain-errors';
import { User } from '../users/entities/user.entity';
import { PasswordHasher } from '../users/password-hasher';
import { toUserResponse } from '../users/dto/user.response';
import { normalizeEmail } from '../users/users.service';
import { RegisterDto, SessionResponse, TokenPairResponse } from './dto/auth.dto';
import { GuestCartHandover } from './guest-cart-handover';
import { assertAcceptablePassword } from './password-policy';
import { TokenService } from './token.service';

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class AuthService {
  /** Verified against when the e-mail is unknown, so that both failures take the same time. */
  private dummyHash?: Promise<string>;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly cartHandover: GuestCartHandover,
  ) {}

  async register(input: RegisterDto, guestCartId?: string): Promise<SessionResponse> {
    const email = normalizeEmail(input.email);
    assertAcceptablePassword(input.password, email);
    if (await this.users.exist({ where: { email } })) {
      throw new ConflictError('An account with this e-mail already exists.');
    }
    const passwordHash = await this.hasher.hash(input.password);
    let user: User;
    try {
      user = await this.users.save(
        this.users.create({ email, passwordHash, name: input.name, roles: ['customer'] }),
      );
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ConflictError('An account with this e-mail already exists.');
      }
      throw error;
    }
    return this.startSession(user, guestCartId);
  }

  /** The user with these credentials, or one 401 whatever was wrong. */
  async validateCredentials(email: string, password: string): Promise<User> {
    const user = await this.users.findOneBy({ email: normalizeEmail(email) });
    if (!user) {
      this.dummyHash ??= this.hasher.hash('timing-equaliser-password');
      await this.hasher.verify(await this.dummyHash, password);
      throw new UnauthorizedError('Invalid e-mail or password.');
    }
    const valid = await this.hasher.verify(user.passwordHash, password);
    if (!valid || !user.active || user.deletedAt) {
      throw new UnauthorizedError('Invalid e-mail or password.');
    }
    return user;
  }

  async startSession(user: User, guestCartId?: string): Promise<SessionResponse> {
    if (guestCartId) await this.cartHandover.mergeIntoUser(guestCartId, user.id);
    const pair = await this.tokens.issue(user);
    return { user: toUserResponse(user), ...pair };
  }

  async refresh(refreshToken: string): Promise<TokenPairResponse> {
    return this.db.transaction(async (manager) => {
      const { userId, familyId } = await this.tokens.spend(refreshToken, manager);
      const user = await manager.findOneBy(User, { id: userId });
      if (!user || !user.active || user.deletedAt) {
        throw new UnauthorizedError('The refresh token is invalid or expired.');
      }
      return this.tokens.issue(user, familyId, manager);
    });
  }

  logout(userId: string, refreshToken: string): Promise<void> {
    return this.tokens.revoke(refreshToken, userId);
  }
}
