import { Module } from '@nestjs/common';
import { UsersModule } from '../../modules/users/users.module';
import { CatalogSeeder } from '../../modules/catalog/catalog-seeder';
import { SeedService } from './seed.service';

@Module({
  imports: [UsersModule],
  providers: [SeedService, CatalogSeeder],
  exports: [SeedService, CatalogSeeder],
})
export class SeedModule {}
