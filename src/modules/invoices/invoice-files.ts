import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** `INV-2026-000001`: the prefix, the year and the sequence on six digits (more past 999 999). */
export function documentNumber(prefix: 'INV' | 'CN', year: number, sequence: number): string {
  return `${prefix}-${year}-${String(sequence).padStart(6, '0')}`;
}

/** Where a document lives, relative to INVOICE_DIR (what the `invoices.file_path` column holds). */
export function documentPath(year: number, number: string): string {
  return `${year}/${number}.pdf`;
}

/**
 * Deletes the `.tmp` files that `writeFileAtomic` (src/common/files) left in the year folders under `root` when a
 * process died between writing and renaming, once they are older than `olderThanMs` (a younger
 * one may be another worker's write in progress). Returns how many it removed.
 */
export async function sweepStaleTemps(root: string, olderThanMs: number): Promise<number> {
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  let years: string[];
  try {
    years = (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && /^\d{4}$/.test(e.name))
      .map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const year of years) {
    for (const name of await readdir(join(root, year))) {
      if (!/^\..+\.tmp$/.test(name)) continue;
      const path = join(root, year, name);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() && info.mtimeMs < cutoff) {
        await unlink(path).catch(() => undefined);
        removed++;
      }
    }
  }
  return removed;
}
