import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export type NodeEnv = 'development' | 'production' | 'test';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Reads the variables that one config class declares from `source`, converts them to their
 * declared types and validates them. Every problem names the variable that causes it.
 */
export function validateEnv<T extends object>(
  schema: new () => T,
  source: NodeJS.ProcessEnv = process.env,
): T {
  const plain: Record<string, unknown> = {};
  const defaults = new schema() as Record<string, unknown>;
  for (const key of Object.keys(defaults)) {
    const raw = source[key];
    plain[key] = raw === undefined || raw === '' ? defaults[key] : raw;
  }
  const config = plainToInstance(schema, plain, { enableImplicitConversion: true });
  const errors = validateSync(config, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    throw new ConfigValidationError(
      errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  return config;
}

export function nodeEnv(source: NodeJS.ProcessEnv = process.env): NodeEnv {
  const value = source.NODE_ENV ?? 'development';
  if (value !== 'development' && value !== 'production' && value !== 'test') {
    throw new ConfigValidationError([
      `NODE_ENV: must be one of development, production, test (got "${value}")`,
    ]);
  }
  return value;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `900`, `45s`, `15m`, `12h` or `30d` into seconds; `undefined` when malformed. */
export function parseDurationSeconds(value: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (match[2] ? UNITS[match[2]] : 1);
  return seconds > 0 ? seconds : undefined;
}

export function parseBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return ['true', '1', 'yes', 'on'].includes(String(value).toLowerCase());
}
