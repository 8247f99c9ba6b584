import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_RETRY_AFTER_SECONDS, PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';

/**
 * Sends `error` as a problem document, logging it when it is the server's fault. A 429 or 503
 * carries `Retry-After` (the problem's `retryAfter`, or DEFAULT_RETRY_AFTER_SECONDS for a 503).
 */
export function sendProblem(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'error'>,
): void {
  const problem = toProblem(error);
  if (problem.status >= 500 && problem.status !== 503) {
    logger.error(
      { err: error, requestId: request.id, url: request.url, method: request.method },
      'Unhandled error',
    );
  }
  if (problem.status === 503 && typeof problem.retryAfter !== 'number') {
    problem.retryAfter = DEFAULT_RETRY_AFTER_SECONDS;
  }
  if (typeof problem.retryAfter === 'number' && !reply.sent) {
    void reply.header('Retry-After', String(problem.retryAfter));
  }
  problem.instance = request.url.split('?')[0];
  problem.requestId = String(request.id);
  if (reply.sent) return;
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}

/** The one exception filter: every error leaves the API as RFC 9457 problem details. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(
      exception,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.logger,
    );
  }
}
