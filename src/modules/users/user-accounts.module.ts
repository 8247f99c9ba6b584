import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { AccountService } from './account.service';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { UsersController } from './users.controller';
import { UsersModule } from './users.module';

/**
 * The users' HTTP side (own account, admin), API only: it ends sessions through USER_SESSIONS,
 * which the (global) auth module provides. UsersModule alone is the users data, for the
 * workers, the CLI and the auth module.
 */
@Module({
  imports: [UsersModule, OrdersModule],
  controllers: [UsersController, AdminUsersController],
  providers: [AccountService, AdminUsersService],
})
export class UserAccountsModule {}
