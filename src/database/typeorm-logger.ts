import { Logger } from '@nestjs/common';
import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';

/** Sends TypeORM's messages through the app's logger (pino) instead of the console. */
export class TypeOrmLogger extends AbstractLogger {
  private readonly logger = new Logger('TypeORM');

  protected writeLog(level: LogLevel, message: LogMessage | LogMessage[]): void {
    for (const m of Array.isArray(message) ? message : [message]) {
      const text = typeof m.message === 'string' ? m.message : JSON.stringify(m.message);
      if (level === 'warn' || m.type === 'query-error') this.logger.warn(text);
      else if (level === 'error') this.logger.error(text);
      else this.logger.debug(text);
    }
  }
}
