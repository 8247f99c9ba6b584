import { ConfigValidationError } from './config/validate-env';

/**
 * The one way entry points report a failed start: a configuration problem is the operator's to
 * fix and reads best as the message naming the variable; anything else keeps its stack.
 */
export function exitOnStartFailure(what: string): (error: Error) => never {
  return (error) => {
    const text =
      error instanceof ConfigValidationError ? error.message : (error.stack ?? error.message);
    process.stderr.write(`${what}: ${text}\n`);
    process.exit(1);
  };
}
