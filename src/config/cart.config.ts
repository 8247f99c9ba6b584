import { registerAs } from '@nestjs/config';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { ConfigValidationError, parseDurationSeconds, validateEnv } from './validate-env';

class CartEnv {
  /** How long a cart untouched lives in Redis; every read or write restarts the clock. */
  @IsString()
  CART_TTL: string = '30d';

  /** Largest quantity of one variant in a cart; adding more caps the line at it. */
  @IsInt()
  @Min(1)
  @Max(10000)
  CART_MAX_LINE_QUANTITY: number = 99;

  /** Most distinct variants in one cart; a new line past it is refused (422). */
  @IsInt()
  @Min(1)
  @Max(1000)
  CART_MAX_LINES: number = 100;
}

export interface CartConfig {
  ttlSeconds: number;
  maxLineQuantity: number;
  maxLines: number;
}

export function loadCartConfig(source: NodeJS.ProcessEnv = process.env): CartConfig {
  const raw = validateEnv(CartEnv, source);
  const ttlSeconds = parseDurationSeconds(raw.CART_TTL);
  if (!ttlSeconds) {
    throw new ConfigValidationError(['CART_TTL: must be a duration such as 86400, 12h or 30d']);
  }
  return {
    ttlSeconds,
    maxLineQuantity: raw.CART_MAX_LINE_QUANTITY,
    maxLines: raw.CART_MAX_LINES,
  };
}

export const cartConfig = registerAs('cart', () => loadCartConfig());
