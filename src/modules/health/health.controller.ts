import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '../../common/decorators/public.decorator';
import { ServiceUnavailableError } from '../../common/errors/domain-errors';
import { RedisHealthIndicator } from './redis.health';

const CHECK_TIMEOUT_MS = 1500;
const ALIVE: HealthCheckResult = Object.freeze({ status: 'ok', info: {}, error: {}, details: {} });

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** Nothing to check: answering is the proof. The same body as a check of no indicators. */
  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process is up and serving' })
  live(): HealthCheckResult {
    return ALIVE;
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer' })
  @ApiOkResponse({ description: 'Both dependencies answer' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the problem names it' })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
        () => this.redis.pingCheck('redis', CHECK_TIMEOUT_MS),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {});
      throw new ServiceUnavailableError(`Unreachable: ${down.join(', ')}.`, {
        down,
        checks: result.details,
      });
    }
  }
}
