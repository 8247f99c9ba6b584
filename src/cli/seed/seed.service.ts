import { Inject, Injectable, Logger } from '@nestjs/common';
import { appConfig, AppConfig } from '../../config';
import { UsersService } from '../../modules/users/users.service';
import { CatalogSeeder, CatalogSeedReport } from '../../modules/catalog/catalog-seeder';
import { DEMO_ACCOUNTS, DEMO_MERCHANTS } from '../../modules/users/demo-accounts';

export interface SeedReport {
  seeded: boolean;
  reason?: string;
  accounts: { email: string; password: string; role: string }[];
  catalog?: CatalogSeedReport;
}

/** Demo data for an empty database, outside production only. */
@Injectable()
export class SeedService {
  private readonly logger = new Logger(SeedService.name);

  constructor(
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly users: UsersService,
    private readonly catalog: CatalogSeeder,
  ) {}

  async seedIfEmpty(): Promise<SeedReport> {
    if (this.app.env === 'production') {
      return { seeded: false, reason: 'NODE_ENV is production', accounts: [] };
    }
    const accounts = (await this.users.count()) === 0 ? DEMO_ACCOUNTS : [];
    for (const account of accounts) await this.users.createOrGrant(account);
    if (accounts.length) this.logger.log(`Seeded ${accounts.length} demo accounts`);
    // The catalog is seeded whenever it is empty, so that a database created before the
    // catalog existed gets one too.
    const catalog = (await this.catalog.isEmpty()) ? await this.seedCatalog() : undefined;
    if (!accounts.length && !catalog) {
      return { seeded: false, reason: 'the database already has users and products', accounts: [] };
    }
    return {
      seeded: true,
      accounts: accounts.map(({ email, password, role }) => ({ email, password, role })),
      catalog,
    };
  }

  /** The demo merchants' accounts (made or granted the role), then the demo catalog for them. */
  async seedCatalog(productCount?: number): Promise<CatalogSeedReport> {
    const owners = [];
    for (const { shop, ...account } of DEMO_MERCHANTS) {
      const { user } = await this.users.createOrGrant({ ...account, role: 'merchant' });
      owners.push({ id: user.id, shop });
    }
    return this.catalog.seed(owners, productCount);
  }
}

export function formatSeedReport(report: SeedReport): string {
  if (!report.seeded) return `Demo data not seeded: ${report.reason}.`;
  const rows = report.accounts.map((a) => `  ${a.role.padEnd(9)} ${a.email}  /  ${a.password}`);
  const lines = rows.length ? ['Demo accounts (shown once):', ...rows] : [];
  if (report.catalog) {
    const c = report.catalog;
    lines.push(
      `Demo catalog: ${c.shops} shops, ${c.categories} categories, ${c.products} products, ${c.variants} variants.`,
    );
  }
  return lines.join('\n');
}
