import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../config/database.config';
import { typeormOptions } from './typeorm-options';

/** Used by the TypeORM CLI (`npm run migration:generate`, `npm run migration:run`). */
export default new DataSource(typeormOptions(loadDatabaseConfig()));
