/**
 * Resolves once the event loop has run the I/O callbacks of its current turn (`setImmediate`
 * runs after them): every request that arrived in this turn has asked by then.
 */
const afterThisTurnsInput = () => new Promise<void>((resolve) => setImmediate(resolve));

const ignore = () => undefined;

/**
 * Loads of the same key by concurrent callers, shared: while one load of a key is on the wire,
 * the callers that ask for that key meanwhile wait for the next load of it, started as soon as
 * the first settles and shared by all of them. Each caller so gets a value loaded after it
 * asked, as its own load would be (never one started before it asked), and a key asked by
 * many callers at once costs about one load per load's duration instead of one per caller. A
 * caller alone is loaded at once; with `gatherTurn`, every load (the first one too) starts
 * only at the end of the event loop's turn, so that all the callers of that turn share it.
 * Keys load independently of one another.
 *
 * The callers of a load get the same value (and, when it fails, the same error): they must not
 * change it. The `load` of the caller that starts a load is the one run; callers of one key
 * must ask for the same thing.
 */
export class SharedLoads<V> {
  private readonly inFlight = new Map<string, Promise<V>>();
  private readonly next = new Map<string, Promise<V>>();

  constructor(private readonly options: { gatherTurn?: boolean } = {}) {}

  load(key: string, load: () => Promise<V>): Promise<V> {
    const queued = this.next.get(key);
    if (queued) return queued;
    const current = this.inFlight.get(key);
    if (!current && !this.options.gatherTurn) return this.start(key, load);
    const settled = (current ?? Promise.resolve()).then(ignore, ignore);
    const after = (this.options.gatherTurn ? settled.then(afterThisTurnsInput) : settled).then(
      () => {
        this.next.delete(key);
        return this.start(key, load);
      },
    );
    this.next.set(key, after);
    return after;
  }

  private start(key: string, load: () => Promise<V>): Promise<V> {
    // An async wrapper so that a `load` that throws rejects like one that fails.
    const running = (async () => load())();
    this.inFlight.set(key, running);
    const done = () => {
      if (this.inFlight.get(key) === running) this.inFlight.delete(key);
    };
    running.then(done, done);
    return running;
  }
}
