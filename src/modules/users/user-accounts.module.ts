import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { OrdersModule } from '../orders/orders.module';
import { AccountService } from './account.service';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { UsersController } from './users.controller';
import { UsersModule } from './users.module';

/**
 * The users' HTTP side (own account, admin). Apart from UsersModule because it needs the
 * auth module's token services, and the auth module needs UsersModule.
 */
@Module({
  imports: [UsersModule, AuthModule, OrdersModule],
  controllers: [UsersController, AdminUsersController],
  providers: [AccountService, AdminUsersService],
})
export class UserAccountsModule {}
