import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..');

export const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/**
 * Real worker processes for the crash suites: the production entry (`src/worker.ts`) or a
 * test entry that holds inside a window (test/support/*-holding-worker.ts) and says where on
 * stdout. Each runs with the suite's environment on top of the test run's, its dead jobs found
 * again within a few seconds (2 s lock, 0.5 s stalled check).
 */
export class WorkerProcesses {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly env: () => Record<string, string>) {}

  start(entry?: string): ChildProcess {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', entry ?? join(ROOT, 'src', 'worker.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          JOB_LOCK_DURATION_MS: '2000',
          JOB_STALLED_INTERVAL_MS: '500',
          // A live worker starved of CPU past its 2 s lock (a loaded CI machine) also stalls
          // its jobs; these suites prove recovery and exactly-once effects, not Bull's stall
          // limit, so a job may stall a few more times than production allows before failing.
          JOB_MAX_STALLED_COUNT: '10',
          LOG_LEVEL: 'warn',
          ...this.env(),
        },
        // A holding worker's stdout tells where it holds; the others' is not read.
        stdio: ['ignore', entry ? 'pipe' : 'ignore', 'inherit'],
      },
    );
    this.children.push(child);
    return child;
  }

  /** Starts a holding test worker and resolves with what it holds (`holding <what>`). */
  async startHolding(entry: string): Promise<{ child: ChildProcess; holding: string }> {
    const child = this.start(entry);
    const holding = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /^holding (.+)$/.exec(line);
        if (match) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(`${entry} exited before it held`)));
    });
    return { child, holding };
  }

  async kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    child.kill(signal);
    await exited(child);
  }

  /** SIGKILLs whatever still runs (afterAll). */
  async killAll(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
  }
}
