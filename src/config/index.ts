import { appConfig } from './app.config';
import { authConfig } from './auth.config';
import { cartConfig } from './cart.config';
import { catalogConfig } from './catalog.config';
import { databaseConfig } from './database.config';
import { mailConfig } from './mail.config';
import { paymentConfig } from './payment.config';
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
  queueConfig,
  redisConfig,
  storageConfig,
  storeConfig,
  stripeConfig,
};
