import { Logger } from '@nestjs/common';
import { isEmail } from 'class-validator';
import { Command, CommandRunner, Option } from 'nest-commander';
import { ValidationFailedError } from '../common/errors/domain-errors';
import { assertAcceptablePassword } from '../modules/auth/password-policy';
import { ROLES, Role } from '../common/auth/role';
import { UsersService } from '../modules/users/users.service';

interface Options {
  email: string;
  password?: string;
  role: Role;
  name?: string;
}

const MIN_PASSWORD = 12;

@Command({
  name: 'user:create',
  description: 'Create a user with a role, or add the role to an existing user',
})
export class UserCreateCommand extends CommandRunner {
  private readonly logger = new Logger('cli');

  constructor(private readonly users: UsersService) {
    super();
  }

  async run(_args: string[], options: Options): Promise<void> {
    if (!options.email || !isEmail(options.email)) throw new Error('--email must be an e-mail');
    if (options.password !== undefined && options.password.length < MIN_PASSWORD) {
      throw new Error(`--password must be at least ${MIN_PASSWORD} characters`);
    }
    if (options.password !== undefined) {
      // The same policy as register and reset.
      try {
        assertAcceptablePassword(options.password, options.email);
      } catch (error) {
        if (!(error instanceof ValidationFailedError)) throw error;
        throw new Error(`--password ${error.errors.map((e) => e.message).join('; ')}`);
      }
    }
    const { user, created } = await this.users.createOrGrant({
      email: options.email,
      password: options.password,
      role: options.role ?? 'customer',
      name: options.name ?? options.email.split('@')[0],
    });
    this.logger.log(
      `${created ? 'Created' : 'Updated'} ${user.email} (${user.id}) with roles ${user.roles.join(', ')}`,
    );
  }

  @Option({ flags: '--email <email>', description: 'e-mail address', required: true })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--password <password>', description: `at least ${MIN_PASSWORD} characters` })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: 'display name (default: the e-mail local part)' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--role <role>', description: ROLES.join(' | '), defaultValue: 'customer' })
  parseRole(value: string): Role {
    if (!(ROLES as readonly string[]).includes(value)) {
      throw new Error(`--role must be one of ${ROLES.join(', ')}`);
    }
    return value as Role;
  }
}
