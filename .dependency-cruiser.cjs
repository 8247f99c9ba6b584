/**
 * Dependency rules checked by `npm run lint` (dependency-cruiser):
 * - no cycle between folders under src (module folders, and config/common/database/...);
 * - no module imports another module's entities, nor a repository its owner does not export
 *   (a module's exported repositories are listed in the `exports` of its *.module.ts);
 * `process.env` outside src/config is an ESLint rule (eslint.config.mjs).
 */
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

/** `OrdersRepository` in a module's exports → `orders.repository.ts`. */
function exportedRepositoryFiles() {
  const files = [];
  const root = join(process.cwd(), 'src', 'modules');
  for (const folder of readdirSync(root)) {
    const dir = join(root, folder);
    if (!existsSync(dir) || !require('node:fs').statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.module.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      const exported = /exports:\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '';
      for (const name of exported.match(/\b\w+Repository\b/g) ?? []) {
        const kebab = name.replace(/Repository$/, '').replace(/([a-z0-9])([A-Z])/g, '$1-$2');
        files.push(`src/modules/${folder}/${kebab.toLowerCase()}\\.repository\\.ts$`);
      }
    }
  }
  return files;
}

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Folders under src (and module folders under src/modules) form no cycle.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-foreign-entities',
      comment: 'Entities are their module’s internals: other modules call its exported methods.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/entities/', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'no-foreign-internal-repositories',
      comment: 'A repository its module does not export is that module’s internals.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/[^/]+/[^/]+\\.repository\\.ts$',
        pathNot: ['^src/modules/$1/', ...exportedRepositoryFiles()],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.spec\\.ts$' },
  },
};
