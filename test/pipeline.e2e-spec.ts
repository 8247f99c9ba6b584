import { Pool, PoolClient } from 'pg';
import { sendAll, sendTogether } from '../src/database/pipeline';

/** Statements sent in one message (`sendTogether`), against the test database. */
describe('several statements in one message', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  let client: PoolClient;
  let answers = 0;
  let parses = 0;

  beforeAll(async () => {
    client = await pool.connect();
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    connection.on('readyForQuery', () => answers++);
    connection.on('parseComplete', () => parses++);
    await client.query(`CREATE TEMP TABLE pipeline_t (n int PRIMARY KEY)`);
  });
  afterAll(async () => {
    client.release();
    await pool.end();
  });
  beforeEach(() => client.query('TRUNCATE pipeline_t'));

  const kept = async (): Promise<number[]> =>
    (await client.query<{ n: number }>('SELECT n FROM pipeline_t ORDER BY n')).rows.map((r) => r.n);

  /** Counts what one call costs: round trips (ReadyForQuery) and statements parsed. */
  async function measured<T>(work: () => Promise<T>) {
    const [a, p] = [answers, parses];
    const result = await work();
    return { result, trips: answers - a, parsed: parses - p };
  }

  it('answers every statement, in order, in one round trip', async () => {
    const { result, trips } = await measured(() =>
      sendTogether(client, [
        { text: 'BEGIN' },
        { text: 'INSERT INTO pipeline_t (n) VALUES ($1), ($2) RETURNING n', values: [1, 2] },
        { text: 'SELECT $1::int[] AS a, $2::jsonb AS j', values: [[3, 4], { k: 'v' }] },
        { text: 'COMMIT' },
      ]),
    );
    expect(trips).toBe(1);
    expect(result.map((r) => r.command)).toEqual(['BEGIN', 'INSERT', 'SELECT', 'COMMIT']);
    expect(result[1].rows).toEqual([{ n: 1 }, { n: 2 }]);
    expect(result[2].rows).toEqual([{ a: [3, 4], j: { k: 'v' } }]);
    expect(await kept()).toEqual([1, 2]);
  });

  it('stops at the first failure: outside a transaction nothing of the message is kept', async () => {
    await expect(
      sendTogether(client, [
        { text: 'INSERT INTO pipeline_t (n) VALUES (1)' },
        { text: 'SELECT 1 / $1::int', values: [0] },
        { text: 'INSERT INTO pipeline_t (n) VALUES (2)' },
      ]),
    ).rejects.toMatchObject({ code: '22012' }); // division_by_zero
    expect(await kept()).toEqual([]);
    // The connection is ready for the next statement.
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('leaves a transaction begun in the message aborted, for the caller to roll back', async () => {
    await expect(
      sendTogether(client, [
        { text: 'BEGIN' },
        { text: 'INSERT INTO pipeline_t (n) VALUES (1)' },
        { text: 'INSERT INTO pipeline_t (n) VALUES (1)' }, // unique violation
        { text: 'COMMIT' },
      ]),
    ).rejects.toMatchObject({ code: '23505' });
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' }); // aborted
    await client.query('ROLLBACK');
    expect(await kept()).toEqual([]);
  });

  it('parses a named statement once per connection, also in a message of several', async () => {
    const named = { name: `pipeline_once_${Date.now()}`, text: 'SELECT $1::int + 1 AS n' };
    const first = await measured(() =>
      sendTogether(client, [
        { ...named, values: [1] },
        { ...named, values: [2] },
      ]),
    );
    expect(first.parsed).toBe(1);
    expect(first.result.map((r) => r.rows[0].n)).toEqual([2, 3]);
    const again = await measured(() => sendTogether(client, [{ ...named, values: [41] }]));
    expect(again.parsed).toBe(0);
    expect(again.result[0].rows).toEqual([{ n: 42 }]);
    // pg's own queries on the connection know it too.
    expect((await client.query({ ...named, values: [9] })).rows).toEqual([{ n: 10 }]);
  });

  it('parses a named statement again when a failure before it skipped its first parse', async () => {
    const named = { name: `pipeline_skipped_${Date.now()}`, text: 'SELECT $1::int * 2 AS n' };
    await expect(
      sendTogether(client, [{ text: 'SELECT 1 / 0' }, { ...named, values: [1] }]),
    ).rejects.toMatchObject({ code: '22012' });
    const next = await measured(() => sendTogether(client, [{ ...named, values: [21] }]));
    expect(next.result[0].rows).toEqual([{ n: 42 }]);
    expect(next.parsed).toBe(1);
  });

  it('forgets a named statement whose parse failed, and parses it when it can', async () => {
    const table = `pipeline_later_${Date.now()}`;
    const named = { name: `pipeline_${table}`, text: `SELECT count(*)::int AS n FROM ${table}` };
    await expect(
      sendTogether(client, [{ text: 'SELECT 1' }, { ...named, values: [] }]),
    ).rejects.toMatchObject({ code: '42P01' }); // undefined_table, at its parse
    await client.query(`CREATE TEMP TABLE ${table} (n int)`);
    const next = await measured(() => sendTogether(client, [{ ...named, values: [] }]));
    expect(next.result[0].rows).toEqual([{ n: 0 }]);
    expect(next.parsed).toBe(1);
  });

  it('keeps a named statement that parsed and then failed as it ran (no second parse)', async () => {
    const named = { name: `pipeline_failed_${Date.now()}`, text: 'SELECT 10 / $1::int AS n' };
    await expect(sendTogether(client, [{ ...named, values: [0] }])).rejects.toMatchObject({
      code: '22012',
    });
    const next = await measured(() => sendTogether(client, [{ ...named, values: [5] }]));
    expect(next.result[0].rows).toEqual([{ n: 2 }]);
    expect(next.parsed).toBe(0);
  });

  it('sends nothing when a value cannot be sent, and the connection goes on', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const { trips } = await measured(async () => {
      await expect(
        sendTogether(client, [
          { text: 'INSERT INTO pipeline_t (n) VALUES (1)' },
          { text: 'SELECT $1::jsonb', values: [circular] },
        ]),
      ).rejects.toThrow(/circular/i);
    });
    expect(trips).toBe(0);
    expect(await kept()).toEqual([]);
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('refuses a statement without text (it would be answered without its end)', async () => {
    await expect(sendTogether(client, [{ text: 'SELECT 1' }, { text: ' ' }])).rejects.toThrow(
      /without text/,
    );
  });

  it('reads each owner its rows and gives a failure to the owner that claims it', async () => {
    const owned = (text: string, claims?: string) => ({
      statement: { text },
      read: (rows: Record<string, unknown>[]) => rows.map((r) => r.n),
      refusal: (error: unknown) =>
        claims && (error as { code?: string }).code === claims
          ? new Error(`refused by ${text}`)
          : undefined,
    });
    const [a, b] = await sendAll<[unknown[], unknown[]]>(
      client,
      [owned('SELECT 1 AS n'), owned('SELECT 2 AS n UNION ALL SELECT 3')],
      { before: [{ text: 'BEGIN' }], after: [{ text: 'COMMIT' }] },
    );
    expect([a, b]).toEqual([[1], [2, 3]]);
    await expect(
      sendAll(client, [owned('SELECT 1 AS n'), owned('SELECT 1 / 0 AS n', '22012')]),
    ).rejects.toThrow('refused by SELECT 1 / 0 AS n');
    await expect(sendAll(client, [owned('SELECT 1 / 0 AS n')])).rejects.toMatchObject({
      code: '22012',
    });
  });
});
