import { registerAs } from '@nestjs/config';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env';

class MetricsEnv {
  /** The metrics listener's own port (0: any free port). Never the API's port. */
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT: number = 9464;

  @IsString()
  METRICS_HOST: string = '127.0.0.1';

  /** Optional bearer token; when set, `/metrics` on the API port answers it (and only it). */
  @IsString()
  @Matches(/^(|[\x21-\x7e]{32,})$/, { message: 'must be empty or 32+ printable characters' })
  METRICS_TOKEN: string = '';
}

export interface MetricsConfig {
  port: number;
  host: string;
  /** Undefined: `/metrics` is served on the metrics listener only. */
  token?: string;
}

export function loadMetricsConfig(source: NodeJS.ProcessEnv = process.env): MetricsConfig {
  const raw = validateEnv(MetricsEnv, source);
  return { port: raw.METRICS_PORT, host: raw.METRICS_HOST, token: raw.METRICS_TOKEN || undefined };
}

export const metricsConfig = registerAs('metrics', () => loadMetricsConfig());
