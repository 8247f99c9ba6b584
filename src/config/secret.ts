import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential read from the environment. It prints as `[redacted]` however it is printed
 * (string, JSON, util.inspect, a logger), so a config object can be logged whole; the one
 * place that needs the value calls `reveal()`.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
