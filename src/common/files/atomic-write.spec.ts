import { promises as fs } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTempsOf, writeFileAtomic } from './atomic-write';

describe('atomic writes and their temporary files', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'atomic-write-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** A write by `writer` cut short between writing its temp file and renaming it. */
  async function killedWrite(path: string, writer: string): Promise<void> {
    const rename = fs.rename;
    fs.rename = () => Promise.reject(new Error('killed'));
    const unlink = fs.unlink;
    // A killed process cleans nothing up.
    fs.unlink = () => Promise.resolve();
    try {
      await expect(writeFileAtomic(path, Buffer.from('%PDF'), writer)).rejects.toThrow('killed');
    } finally {
      fs.rename = rename;
      fs.unlink = unlink;
    }
  }

  it("removes only the same writer's temp files of the same target", async () => {
    const target = join(root, 'INV-2026-000001.pdf');
    await killedWrite(target, 'invoice.a');
    await killedWrite(target, 'credit-note.b');
    await killedWrite(join(root, 'INV-2026-000002.pdf'), 'invoice.a');
    expect((await readdir(root)).filter((n) => n.endsWith('.tmp'))).toHaveLength(3);

    expect(await removeTempsOf(target, 'invoice.a')).toBe(1);
    const left = await readdir(root);
    expect(left).toHaveLength(2);
    expect(left.filter((n) => n.startsWith('.INV-2026-000001.pdf.'))).toHaveLength(1);
    expect(left.filter((n) => n.startsWith('.INV-2026-000002.pdf.'))).toHaveLength(1);

    await writeFileAtomic(target, Buffer.from('%PDF-1.4'), 'invoice.a');
    expect((await readdir(root)).sort()).toEqual([...left, 'INV-2026-000001.pdf'].sort());
  });

  it('leaves a write of the same writer that this process has in progress alone', async () => {
    const target = join(root, 'INV-2026-000001.pdf');
    const rename = fs.rename;
    let removedMeanwhile: number | undefined;
    // Another run of the same writer cleans up while this write is about to rename.
    fs.rename = async (from, to) => {
      removedMeanwhile = await removeTempsOf(target, 'invoice.a');
      return rename(from, to);
    };
    try {
      await writeFileAtomic(target, Buffer.from('%PDF-1.4'), 'invoice.a');
    } finally {
      fs.rename = rename;
    }
    expect(removedMeanwhile).toBe(0);
    expect(await readdir(root)).toEqual(['INV-2026-000001.pdf']);
  });

  it("replaces the writer's own leftover when that writer writes the target again", async () => {
    const target = join(root, 'INV-2026-000001.pdf');
    await killedWrite(target, 'invoice.a');
    await writeFileAtomic(target, Buffer.from('%PDF-1.4'), 'invoice.a');
    expect(await readdir(root)).toEqual(['INV-2026-000001.pdf']);
    expect(await fs.readFile(target, 'utf8')).toBe('%PDF-1.4');
  });

  it('finds nothing to remove in a folder that does not exist', async () => {
    expect(await removeTempsOf(join(root, 'none', 'x.pdf'), 'w')).toBe(0);
  });
});
