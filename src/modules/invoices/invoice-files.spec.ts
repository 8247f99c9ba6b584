import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/files/atomic-write';
import { sweepStaleTemps } from './invoice-files';

describe('invoice files', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'invoice-files-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes atomically and leaves no temporary file behind', async () => {
    await writeFileAtomic(join(root, '2026', 'INV-2026-000001.pdf'), Buffer.from('%PDF-1.4'));
    expect(await readdir(join(root, '2026'))).toEqual(['INV-2026-000001.pdf']);
  });

  it('sweeps temp files left by a crash once they are old, and nothing else', async () => {
    const folder = join(root, '2026');
    await mkdir(folder, { recursive: true });
    const old = join(folder, '.INV-2026-000002.pdf.a1b2c3.tmp');
    const fresh = join(folder, '.INV-2026-000003.pdf.d4e5f6.tmp');
    const pdf = join(folder, 'INV-2026-000001.pdf');
    for (const path of [old, fresh, pdf]) await writeFile(path, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(old, twoHoursAgo, twoHoursAgo);
    await utimes(pdf, twoHoursAgo, twoHoursAgo);

    expect(await sweepStaleTemps(root, 60 * 60 * 1000)).toBe(1);
    expect((await readdir(folder)).sort()).toEqual(
      ['.INV-2026-000003.pdf.d4e5f6.tmp', 'INV-2026-000001.pdf'].sort(),
    );
  });

  it('treats a missing invoice folder as nothing to sweep', async () => {
    expect(await sweepStaleTemps(join(root, 'absent'), 1000)).toBe(0);
  });
});
