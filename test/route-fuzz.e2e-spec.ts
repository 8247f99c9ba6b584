import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createMerchant } from './support/catalog';
import { createTestApp } from './support/test-app';
import { createUser } from './support/users';

/**
 * Walks every operation of the committed openapi.json with hostile values in each of its
 * inputs (path, query, header, body field, whole body), as anonymous, customer, merchant and
 * admin, and asserts: never a 5xx, every error is problem+json, and no table gains or loses a
 * row.
 */
type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  minimum?: number;
  minLength?: number;
};
type Operation = {
  parameters?: { name: string; in: 'path' | 'query' | 'header'; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

const doc = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')) as Doc;
const deep = (levels: number): unknown => (levels === 0 ? 1 : [deep(levels - 1)]);

/** Values no field should take: each must be refused (4xx), never crash or be stored. */
const HOSTILE: [string, unknown][] = [
  ['NUL', 'a\u0000b'],
  ['C0 control', 'a\u0007b'],
  ['bidi override', 'abc\u202Etxt.exe'],
  ['long string', 'x'.repeat(100_000)],
  ['2^31', 2 ** 31],
  ['-2^31 - 1', -(2 ** 31) - 1],
  ['2^53 + 2', 2 ** 53 + 2],
  ['1e308', 1e308],
  ['operator object', { $ne: 1 }],
  ['nested 40 deep', deep(40)],
];
/** What can go in a path, query or header: text only. */
const HOSTILE_TEXT: [string, string][] = [
  ['NUL', 'a\u0000b'],
  ['bidi override', 'abc\u202Etxt'],
  ['long string', 'x'.repeat(4_000)],
  ['2^31', String(2 ** 31)],
  ['99 digits', '9'.repeat(99)],
  ['-1', '-1'],
];

function resolve(schema: Schema | undefined): Schema {
  let s = schema ?? {};
  while (s.$ref) s = doc.components.schemas[s.$ref.split('/').pop()!];
  return s;
}

/** A plausible value of the schema, so that the hostile field is the request's only fault. */
function plausible(schema: Schema | undefined, depth = 0): unknown {
  const s = resolve(schema);
  if (s.enum?.length) return s.enum[0];
  switch (s.type) {
    case 'integer':
    case 'number':
      return Math.max(1, s.minimum ?? 1);
    case 'boolean':
      return true;
    case 'array':
      return depth > 3 ? [] : [plausible(s.items, depth + 1)];
    case 'object':
      return depth > 3
        ? {}
        : Object.fromEntries(
            Object.entries(s.properties ?? {}).map(([k, v]) => [k, plausible(v, depth + 1)]),
          );
    case 'string':
    case undefined:
    default:
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'email') return 'fuzz@example.com';
      return 'a'.repeat(Math.max(1, s.minLength ?? 1));
  }
}

interface Probe {
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: unknown;
}

function probesOf(path: string, method: string, op: Operation): Probe[] {
  const params = op.parameters ?? [];
  const jsonBody = op.requestBody?.content['application/json']?.schema;
  const pathValues = Object.fromEntries(
    params.filter((p) => p.in === 'path').map((p) => [p.name, String(plausible(p.schema))]),
  );
  const build = (
    label: string,
    over: {
      path?: Record<string, string>;
      query?: Record<string, string>;
      headers?: Record<string, string>;
      payload?: unknown;
    },
  ): Probe => {
    const filled = path.replace(/\{(\w+)\}/g, (_m, name: string) =>
      encodeURIComponent({ ...pathValues, ...over.path }[name] ?? 'x'),
    );
    const query = new URLSearchParams(over.query ?? {}).toString();
    return {
      label: `${method.toUpperCase()} ${path} ${label}`,
      method: method.toUpperCase(),
      url: query ? `${filled}?${query}` : filled,
      headers: over.headers ?? {},
      ...(over.payload !== undefined ? { payload: over.payload } : {}),
    };
  };
  const probes: Probe[] = [];
  const base = jsonBody ? plausible(jsonBody) : undefined;
  for (const p of params) {
    for (const [name, value] of HOSTILE_TEXT) {
      // Headers carry Latin-1 only (a client cannot even send the others).
      if (p.in === 'header' && /[^\x20-\x7e]/.test(value)) continue;
      const slot =
        p.in === 'path'
          ? { path: { [p.name]: value } }
          : p.in === 'query'
            ? { query: { [p.name]: value } }
            : { headers: { [p.name.toLowerCase()]: value } };
      probes.push(build(`${p.in} ${p.name} = ${name}`, { ...slot, payload: base }));
    }
  }
  if (jsonBody) {
    const fields = Object.keys(resolve(jsonBody).properties ?? {});
    for (const field of fields) {
      for (const [name, value] of HOSTILE) {
        probes.push(
          build(`body.${field} = ${name}`, { payload: { ...(base as object), [field]: value } }),
        );
      }
    }
    for (const [name, value] of [
      ['array body', []],
      ['string body', 'x'],
      ['number body', 7],
      ['deep body', null],
    ] as const) {
      probes.push(
        build(name, {
          payload: value === null ? '['.repeat(5000) + ']'.repeat(5000) : JSON.stringify(value),
          headers: { 'content-type': 'application/json' },
        }),
      );
    }
  }
  return probes;
}

const PROBES = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).flatMap(([method, op]) => probesOf(path, method, op)),
);

describe('route fuzz: every route of openapi.json with hostile values', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  const callers: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    callers.anonymous = {};
    callers.customer = (await createUser(app, 'customer')).auth;
    callers.merchant = (await createMerchant(app)).auth;
    callers.admin = (await createUser(app, 'admin')).auth;
  });
  afterAll(() => app.close());

  async function rowCounts(): Promise<Record<string, number>> {
    const tables: { name: string }[] = await db.query(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      counts[name] = Number((await db.query(`SELECT count(*)::int AS n FROM "${name}"`))[0].n);
    }
    return counts;
  }

  it('walks a few hundred probes', () => {
    expect(PROBES.length).toBeGreaterThan(300);
  });

  it.each(['anonymous', 'customer', 'merchant', 'admin'])(
    'as %s: no 5xx, problem+json errors, nothing written',
    async (who) => {
      const before = await rowCounts();
      const failures: string[] = [];
      for (const probe of PROBES) {
        const res = await app.inject({
          method: probe.method as 'GET',
          url: probe.url,
          headers: { ...probe.headers, ...callers[who] },
          ...(probe.payload !== undefined ? { payload: probe.payload as string } : {}),
        });
        if (res.statusCode >= 500)
          failures.push(`${probe.label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        else if (
          res.statusCode >= 400 &&
          !String(res.headers['content-type']).includes('application/problem+json')
        ) {
          failures.push(
            `${probe.label}: ${res.statusCode} as ${String(res.headers['content-type'])}`,
          );
        }
      }
      expect(failures).toEqual([]);
      expect(await rowCounts()).toEqual(before);
    },
  );
});
