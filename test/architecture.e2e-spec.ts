import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const REPO = join(__dirname, '..');
const DEPCRUISE = join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** `npm run lint:architecture` (both steps) on the tree at `root`: exit code and messages. */
function lintArchitecture(root: string): { status: number; output: string } {
  const config = join(REPO, '.dependency-cruiser.cjs');
  const run = (args: string[], input?: string) =>
    spawnSync(process.execPath, args, { cwd: root, input, encoding: 'utf8' });
  const rules = run([DEPCRUISE, 'src', '--config', config, '--output-type', 'err']);
  const graph = run([DEPCRUISE, 'src', '--config', config, '--output-type', 'json']);
  const owners = run([join(REPO, 'scripts/check-architecture.cjs')], graph.stdout);
  return {
    status: rules.status || owners.status || 0,
    output: rules.stdout + rules.stderr + owners.stdout + owners.stderr,
  };
}

/** The rules fail the tree at `root` with `message` among their reports. */
function expectReported(root: string, message: string): void {
  const { status, output } = lintArchitecture(root);
  expect(status).not.toBe(0);
  expect(output).toContain(message);
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('architecture rules (npm run lint)', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'architecture-'));
    writeTree(root, {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }),
      'src/modules/users/users.module.ts': `export const UsersModule = { exports: [] };\n`,
      'src/modules/users/users.service.ts': `export const findUser = () => 'SELECT id FROM users';\n`,
    });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes a tree that keeps the rules', () => {
    writeTree(root, {
      'src/modules/orders/orders.service.ts': `import { findUser } from '../users/users.service';\nexport const o = findUser;\n`,
    });
    expect(lintArchitecture(root)).toEqual({ status: 0, output: expect.any(String) });
  });

  it('reports a cycle between module folders', () => {
    writeTree(root, {
      'src/modules/orders/orders.service.ts': `import { findUser } from '../users/users.service';\nexport const o = findUser;\n`,
      'src/modules/users/orders-of-user.ts': `import { o } from '../orders/orders.service';\nexport const back = o;\n`,
    });
    const { status, output } = lintArchitecture(root);
    expect(status).not.toBe(0);
    expect(output).toContain('no-folder-cycles');
    expect(output).toMatch(/cycle between folders:\n.*src\/modules\/(orders|users) → src\/modules/);
  });

  it('reports an import of another module’s entity', () => {
    writeTree(root, {
      'src/modules/users/entities/user.entity.ts': `export class User {}\n`,
      'src/modules/orders/orders.service.ts': `import { User } from '../users/entities/user.entity';\nexport const o = User;\n`,
    });
    expectReported(
      root,
      'no-foreign-entities: src/modules/orders/orders.service.ts → src/modules/users/entities/user.entity.ts',
    );
  });

  it('reports an import of a repository its module does not export', () => {
    writeTree(root, {
      'src/modules/users/users.repository.ts': `export class UsersRepository {}\n`,
      'src/modules/orders/orders.service.ts': `import { UsersRepository } from '../users/users.repository';\nexport const o = UsersRepository;\n`,
    });
    expectReported(
      root,
      'no-foreign-internal-repositories: src/modules/orders/orders.service.ts → src/modules/users/users.repository.ts',
    );
    // Once the users module exports it, the same import is allowed.
    writeTree(root, {
      'src/modules/users/users.module.ts': `export const UsersModule = { exports: [UsersRepository] };\n`,
    });
    expect(lintArchitecture(root).status).toBe(0);
  });

  it('reports SQL on a table outside its owning module', () => {
    writeTree(root, {
      'src/modules/orders/buyers.ts': `export const buyers = 'SELECT name FROM users WHERE id = $1';\n`,
    });
    expectReported(
      root,
      'SQL outside the owner: src/modules/orders/buyers.ts names users (owner: src/modules/users)',
    );
  });

  it('reports process.env outside src/config, and allows it inside', () => {
    // ESLint (the repository's config) on a text given as if it were the named file.
    const ruleIds = (filePath: string): string[] => {
      const eslint = join(REPO, 'node_modules/eslint/bin/eslint.js');
      const run = spawnSync(
        process.execPath,
        [eslint, '--format', 'json', '--stdin', '--stdin-filename', filePath],
        { cwd: REPO, input: `export const port = process.env.PORT;\n`, encoding: 'utf8' },
      );
      const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string }[] }[];
      return result.messages.map((m) => m.ruleId);
    };
    expect(ruleIds('src/modules/users/users.service.ts')).toContain('no-restricted-properties');
    expect(ruleIds('src/config/app.config.ts')).not.toContain('no-restricted-properties');
    // Typed linting builds the whole program, twice.
  }, 240_000);
});
