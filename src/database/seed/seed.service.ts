import { Inject, Injectable, Logger } from '@nestjs/common';
import { appConfig, AppConfig } from '../../config';
import { UsersService } from '../../modules/users/users.service';
import { DEMO_ACCOUNTS } from './demo-accounts';

export interface SeedReport {
  seeded: boolean;
  reason?: string;
  accounts: { email: string; password: string; role: string }[];
}

/** Demo data for an empty database, outside production only. */
@Injectable()
export class SeedService {
  private readonly logger = new Logger(SeedService.name);

  constructor(
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly users: UsersService,
  ) {}

  async seedIfEmpty(): Promise<SeedReport> {
    if (this.app.env === 'production') {
      return { seeded: false, reason: 'NODE_ENV is production', accounts: [] };
    }
    if ((await this.users.count()) > 0) {
      return { seeded: false, reason: 'the database already has users', accounts: [] };
    }
    for (const account of DEMO_ACCOUNTS) await this.users.createOrGrant(account);
    this.logger.log(`Seeded ${DEMO_ACCOUNTS.length} demo accounts`);
    return {
      seeded: true,
      accounts: DEMO_ACCOUNTS.map(({ email, password, role }) => ({ email, password, role })),
    };
  }
}

export function formatSeedReport(report: SeedReport): string {
  if (!report.seeded) return `Demo data not seeded: ${report.reason}.`;
  const rows = report.accounts.map((a) => `  ${a.role.padEnd(9)} ${a.email}  /  ${a.password}`);
  return ['Demo accounts (shown once):', ...rows].join('\n');
}
