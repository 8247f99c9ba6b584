import { registerAs } from '@nestjs/config';
import { IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { validateEnv } from './validate-env';

class StoreEnv {
  @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as EUR' })
  STORE_CURRENCY: string = 'EUR';

  /** Tax rate in basis points: 2000 = 20 %. */
  @IsInt()
  @Min(0)
  @Max(10000)
  TAX_RATE_BPS: number = 2000;

  /** Flat shipping fee in minor units. */
  @IsInt()
  @Min(0)
  SHIPPING_FLAT: number = 499;

  /** Subtotal (minor units) at or above which shipping is free. */
  @IsInt()
  @Min(0)
  FREE_SHIPPING_OVER: number = 5000;

  @IsString()
  @MinLength(1)
  SELLER_NAME: string = 'Demo Shop Ltd';

  @IsString()
  @MinLength(1)
  SELLER_ADDRESS: string = '1 Market Street, 10115 Berlin, DE';

  @IsString()
  @MinLength(1)
  SELLER_TAX_ID: string = 'DE000000000';
}

export interface StoreConfig {
  currency: string;
  taxRateBps: number;
  shippingFlat: number;
  freeShippingOver: number;
  seller: { name: string; address: string; taxId: string };
}

export function loadStoreConfig(source: NodeJS.ProcessEnv = process.env): StoreConfig {
  const raw = validateEnv(StoreEnv, source);
  return {
    currency: raw.STORE_CURRENCY,
    taxRateBps: raw.TAX_RATE_BPS,
    shippingFlat: raw.SHIPPING_FLAT,
    freeShippingOver: raw.FREE_SHIPPING_OVER,
    seller: { name: raw.SELLER_NAME, address: raw.SELLER_ADDRESS, taxId: raw.SELLER_TAX_ID },
  };
}

export const storeConfig = registerAs('store', () => loadStoreConfig());
