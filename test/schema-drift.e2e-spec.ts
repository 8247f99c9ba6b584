import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../src/config/database.config';
import { typeormOptions } from '../src/database/typeorm-options';

/**
 * The entities and the migrations never drift apart: TypeORM's schema diff (what
 * `migration:generate` would write) against this run's freshly migrated database is empty.
 */
describe('schema drift', () => {
  it('finds no difference between the entities and the migrated database', async () => {
    const db = new DataSource(typeormOptions(loadDatabaseConfig()));
    await db.initialize();
    try {
      const sql = await db.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
