import 'reflect-metadata';
import { startApi } from './bootstrap';
import { loadDotEnv } from './config/dotenv';

/** Production API entry: no migrations, no seeding (run `npm run migration:run` first). */
loadDotEnv();
startApi().catch((error: Error) => {
  process.stderr.write(`API failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
