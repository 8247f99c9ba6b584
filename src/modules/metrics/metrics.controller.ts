import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { PublicWithOwnBearer } from '../../common/decorators/public.decorator';
import { NotFoundError, UnauthorizedError } from '../../common/errors/domain-errors';
import { metricsConfig, MetricsConfig } from '../../config';
import { bearerMatches } from './metrics-access';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
  ) {}

  @PublicWithOwnBearer()
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Prometheus metrics (process, HTTP latency by route and status, queue depth, jobs completed and failed, outbox backlog)',
    description:
      'Not public. Prometheus scrapes the metrics listener (`METRICS_HOST:METRICS_PORT`, ' +
      'loopback by default); on the API port this route answers only when `METRICS_TOKEN` is ' +
      'set, to `Authorization: Bearer <METRICS_TOKEN>`.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong METRICS_TOKEN' })
  @ApiNotFoundResponse({ description: 'METRICS_TOKEN is not set: scrape the metrics port' })
  scrape(@Req() request: FastifyRequest): Promise<string> {
    if (!this.config.token) throw new NotFoundError('Metrics are served on the metrics port.');
    if (!bearerMatches(request.headers.authorization, this.config.token)) {
      throw new UnauthorizedError('Send the metrics token as a bearer token.');
    }
    return this.metrics.render();
  }
}
