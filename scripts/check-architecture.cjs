/**
 * `npm run lint` step: the architecture rules dependency-cruiser cannot express alone.
 * 1. No cycle between units: a unit is a module folder (src/modules/<name>) or a top folder of
 *    src (config, common, database, redis, cli…); files directly under src are the roots.
 * 2. Every SQL statement on a table is in its owning module's folder (TABLE_OWNERS).
 * Reads dependency-cruiser's JSON (the import graph) from stdin.
 */
const { readFileSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

/** Who owns each table: the only folder whose code may name it in SQL. */
const TABLE_OWNERS = {
  users: 'src/modules/users',
  refresh_tokens: 'src/modules/auth',
  user_tokens: 'src/modules/auth',
  shops: 'src/modules/catalog',
  categories: 'src/modules/catalog',
  products: 'src/modules/catalog',
  product_variants: 'src/modules/catalog',
  stock_movements: 'src/modules/catalog',
  reviews: 'src/modules/reviews',
  orders: 'src/modules/orders',
  order_items: 'src/modules/orders',
  order_status_history: 'src/modules/orders',
  checkout_requests: 'src/modules/checkout',
  invoices: 'src/modules/invoices',
  invoice_counters: 'src/modules/invoices',
  outbox: 'src/modules/queues',
  mail_log: 'src/modules/mail',
  payments: 'src/modules/payments',
  payment_events: 'src/modules/payments',
  payment_receipts: 'src/modules/payments',
  refunds: 'src/modules/payments',
};

const unitOf = (path) => {
  const m = /^src\/modules\/([^/]+)\//.exec(path);
  if (m) return `src/modules/${m[1]}`;
  const t = /^src\/([^/]+)\//.exec(path);
  return t ? `src/${t[1]}` : null;
};

function cycles(graph) {
  const units = new Map();
  for (const mod of graph.modules) {
    const from = unitOf(mod.source);
    if (!from) continue;
    if (!units.has(from)) units.set(from, new Set());
    for (const dep of mod.dependencies) {
      const to = unitOf(dep.resolved);
      if (to && to !== from) units.get(from).add(to);
    }
  }
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), found = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index++); stack.push(v); on.add(v);
    for (const w of units.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1) found.push(scc);
    }
  };
  for (const v of units.keys()) if (!idx.has(v)) visit(v);
  return found.map((scc) => {
    const edges = [];
    for (const a of scc) for (const b of units.get(a)) if (scc.includes(b)) edges.push(`${a} → ${b}`);
    return edges;
  });
}

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) yield path;
  }
}

function foreignStatements(root) {
  const problems = [];
  for (const file of tsFiles(join(root, 'src'))) {
    const rel = relative(root, file);
    if (rel.startsWith('src/database/migrations/')) continue;
    const text = readFileSync(file, 'utf8');
    for (const [table, owner] of Object.entries(TABLE_OWNERS)) {
      const sql = new RegExp(`\\b(FROM|JOIN|INTO|UPDATE|TABLE)\\s+"?${table}"?\\b`, 'i');
      if (sql.test(text) && !rel.startsWith(`${owner}/`)) problems.push(`${rel} names ${table} (owner: ${owner})`);
    }
  }
  return problems;
}

// Read as bytes, then decoded: Node 24.22's UTF-8 fast path of readFileSync (readFileUtf8)
// corrupted its heap on this pipe from dependency-cruiser (free(): invalid next size, or a
// segmentation fault) in 2 to 4 runs of 6; as bytes, 0 of 18.
const graph = JSON.parse(readFileSync(0).toString('utf8'));
const found = cycles(graph);
const foreign = foreignStatements(process.cwd());
for (const c of found) console.error(`cycle between folders:\n  ${c.join('\n  ')}`);
for (const p of foreign) console.error(`SQL outside the owner: ${p}`);
if (found.length || foreign.length) process.exit(1);
console.log('architecture: no folder cycle, every table named only by its owner');
