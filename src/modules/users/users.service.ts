import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { BadRequestError } from '../../common/errors/domain-errors';
import { PostalAddress, User } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { Role } from './role';

export interface GrantResult {
  user: User;
  created: boolean;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
  ) {}

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
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
