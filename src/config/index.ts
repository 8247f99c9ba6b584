import { appConfig } from './app.config';
import { ConfigValidationError } from './validate-env';
import { authConfig } from './auth.config';
import { cartConfig } from './cart.config';
import { catalogConfig } from './catalog.config';
import { databaseConfig } from './database.config';
import { mailConfig } from './mail.config';
import { paymentConfig } from './payment.config';
import { metricsConfig } from './metrics.config';
import { queueConfig } from './queue.config';
import { redisConfig } from './redis.config';
import { storageConfig } from './storage.config';
import { storeConfig } from './store.config';
import { stripeConfig } from './stripe.config';

export { AppConfig } from './app.config';
export { AuthConfig } from './auth.config';
export { CartConfig } from './cart.config';
export { CatalogConfig } from './catalog.config';
export { DatabaseConfig } from './database.config';
export { MailConfig } from './mail.config';
export { PaymentConfig } from './payment.config';
export { MetricsConfig } from './metrics.config';
export { QueueConfig } from './queue.config';
export { RedisConfig } from './redis.config';
export { StorageConfig } from './storage.config';
export { StoreConfig } from './store.config';
export { StripeConfig } from './stripe.config';

/** Every config namespace, loaded (and so validated) when ConfigModule starts. */
export const allConfigs = [
  appConfig,
  authConfig,
  cartConfig,
  catalogConfig,
  databaseConfig,
  mailConfig,
  paymentConfig,
  metricsConfig,
  queueConfig,
  redisConfig,
  storageConfig,
  storeConfig,
  stripeConfig,
];

export {
  appConfig,
  authConfig,
  cartConfig,
  catalogConfig,
  databaseConfig,
  mailConfig,
  paymentConfig,
  metricsConfig,
  queueConfig,
  redisConfig,
  storageConfig,
  storeConfig,
  stripeConfig,
};

/**
 * Loads every namespace now and reports all bad variables at once (each problem names its
 * variable), so an entry point can fail before it connects to anything.
 */
export function checkConfig(): void {
  const problems: string[] = [];
  for (const load of allConfigs) {
    try {
      load();
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length) throw new ConfigValidationError(problems);
}
