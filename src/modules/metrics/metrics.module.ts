import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { QueueRootModule } from '../queues/queue-root.module';
import { MetricsServer } from './metrics-server';
import { MetricsService } from './metrics.service';
import { QueueMetrics } from './queue-metrics';

@Global()
@Module({
  imports: [QueueRootModule],
  controllers: [MetricsController],
  providers: [MetricsService, QueueMetrics, MetricsServer],
  exports: [MetricsService, MetricsServer],
})
export class MetricsModule {}
