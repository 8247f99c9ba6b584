import { SharedLoads } from './shared-loads';

/** Loads answered by hand, recording the key of each one started. */
function controlledLoads() {
  const started: { key: string; answer(value: string): void; fail(error: Error): void }[] = [];
  const loader = (key: string) => () =>
    new Promise<string>((resolve, reject) => {
      started.push({ key, answer: resolve, fail: reject });
    });
  return { started, loader };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedLoads', () => {
  it('starts a lone caller at once, and shares the next load among the callers that arrive meanwhile', async () => {
    const { started, loader } = controlledLoads();
    const loads = new SharedLoads<string>();
    const first = loads.load('a', loader('a'));
    expect(started.map((s) => s.key)).toEqual(['a']);
    const later = [loads.load('a', loader('a')), loads.load('a', loader('a'))];
    await tick();
    expect(started).toHaveLength(1); // they wait for the load in flight to settle
    started[0].answer('one');
    await expect(first).resolves.toBe('one');
    await tick();
    expect(started.map((s) => s.key)).toEqual(['a', 'a']);
    started[1].answer('two');
    await expect(Promise.all(later)).resolves.toEqual(['two', 'two']);
  });

  it('never answers a caller from a load started before it asked', async () => {
    const { started, loader } = controlledLoads();
    const loads = new SharedLoads<string>();
    void loads.load('a', loader('a'));
    const asked = loads.load('a', loader('a'));
    started[0].answer('before');
    await tick();
    started[1].answer('after');
    await expect(asked).resolves.toBe('after');
  });

  it('loads other keys independently, and a key again once its loads settled', async () => {
    const { started, loader } = controlledLoads();
    const loads = new SharedLoads<string>();
    const a = loads.load('a', loader('a'));
    const b = loads.load('b', loader('b'));
    expect(started.map((s) => s.key)).toEqual(['a', 'b']);
    started[1].answer('b');
    started[0].answer('a');
    await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b']);
    const again = loads.load('a', loader('a'));
    expect(started).toHaveLength(3);
    started[2].answer('a again');
    await expect(again).resolves.toBe('a again');
  });

  it('with gatherTurn, starts a load at the end of the turn for all its callers, and the next after it', async () => {
    const { started, loader } = controlledLoads();
    const loads = new SharedLoads<string>({ gatherTurn: true });
    const turn = [loads.load('a', loader('a')), loads.load('a', loader('a'))];
    expect(started).toHaveLength(0); // not before the turn's input has asked
    await tick(); // the turn's end, asked for after this tick's
    await tick();
    expect(started.map((s) => s.key)).toEqual(['a']);
    const later = loads.load('a', loader('a'));
    await tick();
    expect(started).toHaveLength(1); // it waits for the load on the wire
    started[0].answer('first');
    await expect(Promise.all(turn)).resolves.toEqual(['first', 'first']);
    await tick();
    expect(started).toHaveLength(2);
    started[1].answer('second');
    await expect(later).resolves.toBe('second');
  });

  it('gives a failed load its error, and still starts the next one', async () => {
    const { started, loader } = controlledLoads();
    const loads = new SharedLoads<string>();
    const failed = loads.load('a', loader('a'));
    const next = loads.load('a', loader('a'));
    started[0].fail(new Error('connection lost'));
    await expect(failed).rejects.toThrow('connection lost');
    await tick();
    started[1].answer('recovered');
    await expect(next).resolves.toBe('recovered');
  });

  it('turns a load that throws into a rejection of its callers', async () => {
    const loads = new SharedLoads<string>();
    await expect(
      loads.load('a', () => {
        throw new Error('bad key');
      }),
    ).rejects.toThrow('bad key');
    await expect(loads.load('a', () => Promise.resolve('fine'))).resolves.toBe('fine');
  });
});
