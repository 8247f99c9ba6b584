import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ConflictError, ValidationFailedError } from '../errors/domain-errors';
import { toProblem } from './problem-details';

describe('toProblem', () => {
  it('maps a domain error with its extensions', () => {
    const problem = toProblem(new ConflictError('SKU taken', { sku: 'A-1' }));
    expect(problem).toEqual({
      type: '/problems/conflict',
      title: 'Conflict',
      status: 409,
      detail: 'SKU taken',
      sku: 'A-1',
    });
  });

  it('keeps the per-field errors of a validation failure', () => {
    const problem = toProblem(new ValidationFailedError([{ field: 'email', message: 'bad' }]));
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: 'email', message: 'bad' }]);
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x'))).toMatchObject({
      type: '/problems/not-found',
      status: 404,
      detail: 'Cannot GET /x',
    });
  });

  it('recognises Fastify errors that Nest wrapped', () => {
    const wrapped = new HttpException('Request body is too large', 413);
    expect(toProblem(wrapped).type).toBe('/problems/payload-too-large');
    const json = new BadRequestException(
      "Body is not valid JSON but content-type is set to 'application/json'",
    );
    expect(toProblem(json).type).toBe('/problems/malformed-json');
  });

  it('maps Fastify errors by code', () => {
    const error = Object.assign(new Error('file too large'), {
      code: 'FST_REQ_FILE_TOO_LARGE',
      statusCode: 413,
    });
    expect(toProblem(error)).toMatchObject({ status: 413, type: '/problems/payload-too-large' });
  });

  it('hides everything about an unexpected error', () => {
    const problem = toProblem(new Error('password=hunter2 at db:5432'));
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('hunter2');
  });

  it.each([
    [
      'PostgreSQL refusing connections',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['a socket closed under a query', new Error('Connection terminated unexpectedly')],
    ['no pooled connection in time', new Error('timeout exceeded when trying to connect')],
    [
      'PostgreSQL shutting down (wrapped by TypeORM)',
      Object.assign(new Error('terminating connection'), { driverError: { code: '57P01' } }),
    ],
    [
      'ioredis giving up',
      Object.assign(new Error('Reached the max retries per request limit (which is 3).'), {
        name: 'MaxRetriesPerRequestError',
      }),
    ],
  ])('answers 503 with retryAfter for an unreachable dependency: %s', (_, error) => {
    expect(toProblem(error)).toMatchObject({
      status: 503,
      type: '/problems/service-unavailable',
      retryAfter: 5,
    });
  });

  it('keeps a database error that is an answer (a constraint) a 500', () => {
    expect(toProblem(Object.assign(new Error('duplicate key'), { code: '23505' })).status).toBe(
      500,
    );
  });

  it.each([
    ['a deadlock victim', Object.assign(new Error('deadlock detected'), { code: '40P01' })],
    [
      'a serialization failure (wrapped by TypeORM)',
      Object.assign(new Error('could not serialize access'), { driverError: { code: '40001' } }),
    ],
  ])('answers 503, send again at once, for a transaction failed by concurrent ones: %s', (_, e) => {
    expect(toProblem(e)).toMatchObject({
      status: 503,
      type: '/problems/service-unavailable',
      retryAfter: 1,
    });
  });
});
