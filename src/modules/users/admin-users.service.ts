import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { Actor } from '../../common/decorators/current-user.decorator';
import { NotFoundError, UnprocessableError } from '../../common/errors/domain-errors';
import { decodeTimestampCursor, Page, timestampKey, toPage } from '../../common/pagination/cursor';
import { AdminUpdateUserDto, AdminUsersQueryDto } from './dto/users.dto';
import { toUserResponse, UserResponse } from './dto/user.response';
import { User } from './entities/user.entity';
import { USER_SESSIONS, UserSessions } from './user-sessions';

/** Admins: list and search users, change roles, (de)activate. */
@Injectable()
export class AdminUsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(USER_SESSIONS) private readonly sessions: UserSessions,
  ) {}

  /** Newest first; `q` matches part of the e-mail or name, case-insensitively. */
  async list(_actor: Actor, query: AdminUsersQueryDto): Promise<Page<UserResponse>> {
    const limit = query.limit;
    const qb = this.users
      .createQueryBuilder('u')
      .addSelect(timestampKey('u.created_at'), 'cursor_created_at')
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .limit(limit + 1);
    if (query.q) {
      const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere('(u.email ILIKE :pattern OR u.name ILIKE :pattern)', { pattern });
    }
    if (query.role) qb.andWhere(':role = ANY(u.roles)', { role: query.role });
    if (query.cursor) {
      const { at: createdAt, id } = decodeTimestampCursor(query.cursor, 'users');
      qb.andWhere('(u.created_at, u.id) < (:createdAt::timestamptz, :id::uuid)', { createdAt, id });
    }
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_created_at: string }>();
    const rows = entities.map((user, i) => ({ user, key: raw[i].cursor_created_at }));
    return toPage(
      rows,
      limit,
      (row) => toUserResponse(row.user),
      (row) => ({ s: 'users', v: row.key, id: row.user.id }),
    );
  }

  async update(actor: Actor, id: string, input: AdminUpdateUserDto): Promise<UserResponse> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundError('No user with this id.');
    if (user.id === actor.id) {
      if (input.roles && !input.roles.includes('admin')) {
        throw new UnprocessableError('You cannot remove your own admin role.');
      }
      if (input.active === false) throw new UnprocessableError('You cannot deactivate yourself.');
    }
    if (user.deletedAt && input.active === true) {
      throw new UnprocessableError('A deleted account cannot be reactivated.');
    }
    if (input.roles) user.roles = input.roles;
    if (input.active !== undefined) user.active = input.active;
    await this.db.transaction(async (manager) => {
      await manager.update(User, { id }, { roles: user.roles, active: user.active });
      if (input.active === false) await this.sessions.revokeAll(id, manager);
    });
    return toUserResponse((await this.users.findOneBy({ id }))!);
  }
}
