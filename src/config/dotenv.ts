import { existsSync } from 'node:fs';

/**
 * Loads `.env` from the working directory into `process.env` (variables already set win).
 * Called by the entry points only; tests set their environment themselves.
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
