import { Module } from '@nestjs/common';
import { CoreModule } from '../core.module';
import { SeedModule } from './seed/seed.module';
import { UsersModule } from '../modules/users/users.module';
import { JobsRetryFailedCommand } from './jobs-retry-failed.command';
import { SeedCommand } from './seed.command';
import { UserCreateCommand } from './user-create.command';

@Module({
  imports: [CoreModule, UsersModule, SeedModule],
  providers: [UserCreateCommand, SeedCommand, JobsRetryFailedCommand],
})
export class CliModule {}
