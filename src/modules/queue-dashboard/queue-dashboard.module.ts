import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { QUEUE_NAMES } from '../queues/queue-names';
import { QueueRootModule } from '../queues/queue-root.module';
import { DASHBOARD_PATH, QueueDashboardAuth } from './queue-dashboard-auth';
import { QueueDashboardController } from './queue-dashboard.controller';
import { QueueDashboardGuard } from './queue-dashboard.guard';

/**
 * Bull Board at /admin/queues (outside /api/v1) for the queues of the job contract, for admins
 * only (QueueDashboardGuard), plus its login/logout routes. API process only.
 */
@Module({
  imports: [
    AuthModule,
    QueueRootModule,
    UsersModule,
    JwtModule.register({}),
    BullBoardModule.forRootAsync({
      useFactory: () => ({
        route: DASHBOARD_PATH,
        // @bull-board/fastify 9.10.1 carries its own copy of @bull-board/api's types.
        adapter: FastifyAdapter as unknown as BullBoardModuleOptions['adapter'],
        boardOptions: { uiConfig: { boardTitle: 'Shop queues' } },
      }),
    }),
    BullBoardModule.forFeature(...QUEUE_NAMES.map((name) => ({ name, adapter: BullAdapter }))),
  ],
  controllers: [QueueDashboardController],
  providers: [QueueDashboardAuth, QueueDashboardGuard],
})
export class QueueDashboardModule {}
