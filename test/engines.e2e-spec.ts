import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { engineMismatches, lowestAllowed } = require('../scripts/check-engines.cjs') as {
  engineMismatches: (nodeVersion: string) => string[];
  lowestAllowed: (range: string, major: number) => string | null;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { satisfies: (version: string, range: string) => boolean };

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  overrides?: Record<string, unknown>;
};

describe('supported Node versions (package.json engines)', () => {
  it.each([20, 22, 24])(
    'every installed package accepts the lowest Node %i.x that engines allows (no EBADENGINE)',
    (major) => {
      const lowest = lowestAllowed(manifest.engines.node, major);
      expect(lowest).not.toBeNull();
      expect(engineMismatches(lowest!)).toEqual([]);
    },
  );

  it('runs on the Node of this machine and on the Node 24 CI fetches', () => {
    expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true);
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    const node24 = /^NODE24_VERSION=(\S+)$/m.exec(ci)?.[1];
    expect(node24).toBeDefined();
    expect(semver.satisfies(node24!, manifest.engines.node)).toBe(true);
    expect(engineMismatches(node24!)).toEqual([]);
  });

  it('builds the Docker image on the Node 24 that CI tests, and pins every image', () => {
    const node24 = /^NODE24_VERSION=(\S+)$/m.exec(
      readFileSync(join(root, '.ci', 'run'), 'utf8'),
    )?.[1];
    const bases = [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^FROM (\S+)/gm)];
    expect(bases.map((m) => m[1])).toEqual([
      `node:${node24}-bookworm-slim`,
      `node:${node24}-bookworm-slim`,
    ]);
    const images = [
      ...readFileSync(join(root, 'docker-compose.yml'), 'utf8').matchAll(/^\s+image: (\S+)$/gm),
    ].map((m) => m[1]);
    expect(images.length).toBeGreaterThanOrEqual(4);
    // Exact releases: x.y.z, or PostgreSQL's x.y; never `latest` nor a bare major.
    for (const image of images) expect(image).toMatch(/:v?\d+\.\d+(\.\d+)?(-[a-z]+)?$/);
  });

  it('overrides content-disposition for @fastify/static only, with the API it calls', () => {
    // 3.x is ESM-only and declares Node >= 22; 2.0.1 is CommonJS with the same create().
    expect(manifest.overrides).toEqual({ '@fastify/static': { 'content-disposition': '2.0.1' } });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { create } = require(
      require.resolve('content-disposition', {
        paths: [join(root, 'node_modules', '@fastify', 'static')],
      }),
    ) as { create: (name: string) => string };
    expect(create('INV-2026-000001.pdf')).toBe('attachment; filename=INV-2026-000001.pdf');
  });
});
