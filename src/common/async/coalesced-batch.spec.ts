import { CoalescedBatch } from './coalesced-batch';

/** A `run` whose batches are answered by hand, recording what each was asked. */
function controlledRun() {
  const batches: { keys: number[]; answer(values: string[]): void; fail(error: Error): void }[] =
    [];
  const run = (keys: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ keys, answer: resolve, fail: reject });
    });
  return { batches, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedBatch', () => {
  it('sends a lone caller at once, and the callers that arrive meanwhile as the next batch', async () => {
    const { batches, run } = controlledRun();
    const batch = new CoalescedBatch(run);
    const first = batch.load(1);
    expect(batches.map((b) => b.keys)).toEqual([[1]]);
    const later = [batch.load(2), batch.load(3), batch.load(2)];
    await tick();
    expect(batches).toHaveLength(1); // they wait for the next batch, sent after the first answers
    batches[0].answer(['one']);
    await expect(first).resolves.toBe('one');
    await tick();
    expect(batches.map((b) => b.keys)).toEqual([[1], [2, 3, 2]]);
    batches[1].answer(['two', 'three', 'two again']);
    await expect(Promise.all(later)).resolves.toEqual(['two', 'three', 'two again']);
  });

  it('never answers a caller from a batch sent before it asked', async () => {
    const { batches, run } = controlledRun();
    const batch = new CoalescedBatch(run);
    void batch.load(1);
    const asked = batch.load(1);
    batches[0].answer(['before']);
    await tick();
    batches[1].answer(['after']);
    await expect(asked).resolves.toBe('after');
  });

  it('gives a failed batch its error and still sends the next one', async () => {
    const { batches, run } = controlledRun();
    const batch = new CoalescedBatch(run);
    const failed = [batch.load(1)];
    const next = batch.load(2);
    batches[0].fail(new Error('connection lost'));
    await expect(failed[0]).rejects.toThrow('connection lost');
    await tick();
    batches[1].answer(['two']);
    await expect(next).resolves.toBe('two');
  });

  it('turns a run that throws into a rejection of its batch', async () => {
    const batch = new CoalescedBatch<number, string>(() => {
      throw new Error('bad key');
    });
    await expect(batch.load(1)).rejects.toThrow('bad key');
    await expect(batch.load(2)).rejects.toThrow('bad key');
  });

  it('splits a long queue into batches of at most maxBatch keys', async () => {
    const { batches, run } = controlledRun();
    const batch = new CoalescedBatch(run, 2);
    const all = [1, 2, 3, 4, 5].map((key) => batch.load(key));
    batches[0].answer(['a']);
    await tick();
    batches[1].answer(['b', 'c']);
    await tick();
    batches[2].answer(['d', 'e']);
    await expect(Promise.all(all)).resolves.toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(batches.map((b) => b.keys)).toEqual([[1], [2, 3], [4, 5]]);
  });

  it("keeps one caller's keys in one batch, even past maxBatch", async () => {
    const { batches, run } = controlledRun();
    const batch = new CoalescedBatch(run, 3);
    void batch.load(0);
    const small = batch.loadAll([1, 2]);
    const large = batch.loadAll([3, 4, 5, 6]);
    batches[0].answer(['zero']);
    await tick();
    expect(batches[1].keys).toEqual([1, 2]); // [3, 4, 5, 6] would make it 6 keys
    batches[1].answer(['a', 'b']);
    await tick();
    expect(batches[2].keys).toEqual([3, 4, 5, 6]); // alone, whole
    batches[2].answer(['c', 'd', 'e', 'f']);
    await expect(small).resolves.toEqual(['a', 'b']);
    await expect(large).resolves.toEqual(['c', 'd', 'e', 'f']);
  });
});
