import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { IsString, MinLength } from 'class-validator';
import { validateEnv } from './validate-env';

class StorageEnv {
  @IsString()
  @MinLength(1)
  UPLOAD_DIR: string = 'uploads';

  @IsString()
  @MinLength(1)
  INVOICE_DIR: string = 'invoices';
}

export interface StorageConfig {
  uploadDir: string;
  invoiceDir: string;
}

export function loadStorageConfig(source: NodeJS.ProcessEnv = process.env): StorageConfig {
  const raw = validateEnv(StorageEnv, source);
  return { uploadDir: resolve(raw.UPLOAD_DIR), invoiceDir: resolve(raw.INVOICE_DIR) };
}

export const storageConfig = registerAs('storage', () => loadStorageConfig());
