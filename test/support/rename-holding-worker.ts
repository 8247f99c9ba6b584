import { promises as fs } from 'node:fs';
import { runWorker } from '../../src/worker';

/**
 * The production worker (`src/worker.ts`) whose atomic writes stop between writing their
 * temporary file and renaming it over the PDF: the rename of a `.tmp` file into a `.pdf`
 * announces itself (`holding <temp>`) and never happens, so that a test can SIGKILL the worker
 * inside that window. Test-only.
 */
const rename = fs.rename;
fs.rename = (from, to) => {
  if (/\.tmp$/.test(String(from)) && /\.pdf$/.test(String(to))) {
    process.stdout.write(`holding ${String(from)}\n`);
    return new Promise<never>(() => undefined);
  }
  return rename(from, to);
};

runWorker();
