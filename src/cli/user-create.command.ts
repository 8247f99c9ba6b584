import { isEmail } from 'class-validator';
import { Command, CommandRunner, Option } from 'nest-commander';
import { ValidationFailedError } from '../common/errors/domain-errors';
import {
  assertAcceptablePassword,
  PASSWORD_MAX,
  PASSWORD_MIN,
} from '../modules/users/password-policy';
import { ROLES, Role } from '../common/auth/role';
import { UsersService } from '../modules/users/users.service';

interface Options {
  email: string;
  password?: string;
  role: Role;
  name?: string;
}

@Command({
  name: 'user:create',
  description: 'Create a user with a role, or add the role to an existing user',
})
export class UserCreateCommand extends CommandRunner {
  constructor(private readonly users: UsersService) {
    super();
  }

  async run(_args: string[], options: Options): Promise<void> {
    if (!options.email || !isEmail(options.email)) throw new Error('--email must be an e-mail');
    if (options.password === undefined && !(await this.users.findByEmail(options.email))) {
      throw new Error(
        `no account ${options.email} yet: pass --password <at least ${PASSWORD_MIN} characters> ` +
          'to create it (without --password the command only adds a role to an existing account)',
      );
    }
    if (options.password !== undefined) {
      // The one policy of register, reset and password change (password-policy.ts).
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
    process.stdout.write(
      `${created ? 'Created' : 'Updated'} ${user.email} (${user.id}) with roles ${user.roles.join(', ')}\n`,
    );
  }

  @Option({ flags: '--email <email>', description: 'e-mail address', required: true })
  parseEmail(value: string): string {
    return value;
  }

  @Option({
    flags: '--password <password>',
    description:
      `needed to create a new user (${PASSWORD_MIN} to ${PASSWORD_MAX} characters, not a common ` +
      "password: the API's policy); not needed to add a role to an existing user",
  })
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
