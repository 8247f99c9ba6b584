import { Command, CommandRunner } from 'nest-commander';
import { formatSeedReport, SeedService } from './seed/seed.service';

@Command({ name: 'seed', description: 'Seed demo data into an empty database (not in production)' })
export class SeedCommand extends CommandRunner {
  constructor(private readonly seed: SeedService) {
    super();
  }

  async run(): Promise<void> {
    process.stdout.write(formatSeedReport(await this.seed.seedIfEmpty()) + '\n');
  }
}
