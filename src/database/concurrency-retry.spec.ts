import { retryConcurrencyFailures } from './concurrency-retry';

const failure = (code: string) => Object.assign(new Error(code), { code });

/** A transaction that fails with `errors` in turn, then answers how many runs it took. */
function transaction(errors: Error[]) {
  let runs = 0;
  return {
    run: () => {
      runs++;
      const error = errors.shift();
      return error ? Promise.reject(error) : Promise.resolve(runs);
    },
    runs: () => runs,
  };
}

describe('retryConcurrencyFailures', () => {
  it('runs a deadlock victim or a serialization failure again', async () => {
    const t = transaction([failure('40P01'), failure('40001')]);
    await expect(retryConcurrencyFailures(t.run)).resolves.toBe(3);
  });

  it('gives up after three runs with the last failure', async () => {
    const t = transaction([failure('40P01'), failure('40P01'), failure('40P01'), failure('40P01')]);
    await expect(retryConcurrencyFailures(t.run)).rejects.toMatchObject({ code: '40P01' });
    expect(t.runs()).toBe(3);
  });

  it('never runs again a transaction that failed for another reason', async () => {
    const t = transaction([failure('23505')]);
    await expect(retryConcurrencyFailures(t.run)).rejects.toMatchObject({ code: '23505' });
    expect(t.runs()).toBe(1);
  });
});
