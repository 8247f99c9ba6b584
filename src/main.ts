import 'reflect-metadata';
import { startApi } from './bootstrap';
import { exitOnStartFailure } from './start-failure';
import { loadDotEnv } from './config/dotenv';

/** Production API entry: no migrations, no seeding (run `npm run migration:run` first). */
loadDotEnv();
startApi().catch(exitOnStartFailure('API failed to start'));
