import { Query, type PoolClient, type QueryResult } from 'pg';
import { prepareValue } from 'pg/lib/utils';

/** One statement of `sendTogether`: its text, its values (`$1`…) and, to prepare it, a name. */
export interface Statement {
  text: string;
  values?: readonly unknown[];
  /** Parsed once per connection under this name, then only bound and run (`preparedQuery`). */
  name?: string;
}

/**
 * A statement to send, alone (`run` in sql.ts) or with others (`sendAll`), with how to read its
 * rows and what its failure means to its owner.
 */
export interface Outgoing<T> {
  statement: Statement;
  read(rows: Record<string, unknown>[]): T;
  /** The owner's error for a failure of this statement (e.g. a refusal); undefined passes it on. */
  refusal?(error: unknown): Error | undefined;
}

/**
 * `sendTogether` for several owners' statements, between statements of the caller's (e.g. a
 * `BEGIN` before, a `COMMIT` after): each owner reads its own rows back; a failure is the first
 * owner's error for it, else PostgreSQL's.
 */
export async function sendAll<T extends unknown[]>(
  client: PoolClient,
  outgoing: { [K in keyof T]: Outgoing<T[K]> },
  { before = [], after = [] }: { before?: Statement[]; after?: Statement[] } = {},
): Promise<T> {
  const all = outgoing as Outgoing<unknown>[];
  let results: QueryResult<Record<string, unknown>>[];
  try {
    results = await sendTogether(client, [...before, ...all.map((o) => o.statement), ...after]);
  } catch (error) {
    throw firstClaim(all, error) ?? error;
  }
  return all.map((o, i) => o.read(results[before.length + i].rows)) as T;
}

/** The first owner's error for a failure among `outgoing`, if any owner claims it. */
function firstClaim(outgoing: Outgoing<unknown>[], error: unknown): Error | undefined {
  for (const o of outgoing) {
    const refusal = o.refusal?.(error);
    if (refusal) return refusal;
  }
  return undefined;
}

/**
 * Sends `statements` to PostgreSQL as one message of the extended query protocol ending in one
 * Sync: one round trip, however many statements. PostgreSQL runs them in order and, at the
 * first that fails, skips the rest, so they stand or fall together: outside a transaction they
 * are one implicit transaction, inside one (an open one, or a `BEGIN` among them) a failure
 * leaves it aborted for the caller to roll back. A named statement is parsed in the message
 * the first time it is sent on the connection, as pg does. Answers each statement's result, in
 * order; rejects with the first failure (pg's `DatabaseError`).
 */
export function sendTogether(
  client: PoolClient,
  statements: Statement[],
): Promise<QueryResult<Record<string, unknown>>[]> {
  if (statements.length === 0) return Promise.resolve([]);
  // An empty text is answered without the CommandComplete that ends each statement's answer.
  if (statements.some((s) => !s.text.trim())) {
    return Promise.reject(new Error('A statement without text cannot be sent'));
  }
  return new Promise((resolve, reject) => {
    client.query(
      new Pipeline(statements, (error, results) => {
        if (error) {
          // As pg does for its own queries: a stack that leads back to the caller.
          Error.captureStackTrace(error);
          return reject(error);
        }
        const all = Array.isArray(results) ? results : [results!];
        if (all.length !== statements.length) {
          return reject(new Error(`${statements.length} statements sent, ${all.length} answered`));
        }
        resolve(all);
      }),
    );
  });
}

/** What a pipeline uses of pg's connection (pg 8.23.1, pinned): its writers and its records. */
interface Wire {
  stream: { cork(): void; uncork(): void };
  /** The named statements this connection has parsed, and those whose Parse is on the wire. */
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(query: { text: string; name: string }): void;
  bind(config: { statement: string; values: (Buffer | string | null | undefined)[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(config: object): void;
  sync(): void;
}

/** The handlers of pg's `Query` that a pipeline extends (not in pg's types). */
interface QueryHandlers {
  handleCommandComplete(message: unknown, connection: unknown): void;
  handleError(error: Error, connection: unknown): void;
}

type Done = (error: Error | undefined, results: QueryResult | QueryResult[] | undefined) => void;

/**
 * A pg query that sends several statements. pg's `Query` already collects one result per
 * statement, as it does for a simple query of several; what is added is the sending, and the
 * record of prepared statements: pg's client files a parsed statement (and forgets one whose
 * Parse failed) under its active query's `name`, so `name` is that of the statement being
 * answered when the Parse went in this message; those after a failure were never parsed.
 */
class Pipeline extends Query {
  /** The statement whose answer is arriving: one CommandComplete ends each. */
  private answering = 0;
  /** The statements whose Parse goes in this message. */
  private readonly parsing = new Set<number>();

  constructor(
    private readonly statements: Statement[],
    done: Done,
  ) {
    // No text of its own to build: `name` and `text` are the answered statement's (below).
    super({ text: '' });
    (this as unknown as { callback: Done }).callback = done;
    const answered = () =>
      this.parsing.has(this.answering) ? this.statements[this.answering] : undefined;
    Object.defineProperty(this, 'name', { get: () => answered()?.name });
    Object.defineProperty(this, 'text', { get: () => answered()?.text });
    this.submit = (connection) => this.send(connection as unknown as Wire) as unknown as void;
  }

  /** Writes every statement and the Sync as one write; an Error (nothing sent) if one cannot go. */
  private send(wire: Wire): Error | null {
    const values: (Buffer | string | null | undefined)[][] = [];
    try {
      for (const s of this.statements) {
        const known = s.name && knownText(wire, s.name);
        if (known && known !== s.text) {
          return new Error(`Prepared statements must be unique: '${s.name}' names another text`);
        }
        values.push((s.values ?? []).map((v) => prepareValue(v)));
      }
    } catch (error) {
      return error as Error;
    }
    wire.stream.cork();
    try {
      this.statements.forEach((s, i) => {
        const name = s.name ?? '';
        if (!name || knownText(wire, name) === undefined) {
          wire.parse({ text: s.text, name });
          if (name) {
            wire.submittedNamedStatements[name] = s.text;
            this.parsing.add(i);
          }
        }
        wire.bind({ statement: name, values: values[i] });
        wire.describe({ type: 'P', name: '' });
        wire.execute({});
      });
      wire.sync();
    } finally {
      wire.stream.uncork();
    }
    return null;
  }

  handleCommandComplete(message: unknown, connection: unknown): void {
    (Query.prototype as unknown as QueryHandlers).handleCommandComplete.call(
      this,
      message,
      connection,
    );
    this.answering++;
  }

  handleError(error: Error, connection: unknown): void {
    // PostgreSQL skipped every message after the failure: no statement after it was parsed.
    const wire = connection as Wire | undefined;
    for (const i of this.parsing) {
      if (i > this.answering && wire)
        delete wire.submittedNamedStatements[this.statements[i].name!];
    }
    (Query.prototype as unknown as QueryHandlers).handleError.call(this, error, connection);
  }
}

/** The text a named statement has on this connection: parsed, or its Parse on the wire (as pg). */
function knownText(wire: Wire, name: string): string | undefined {
  return wire.parsedStatements[name] ?? wire.submittedNamedStatements[name];
}
