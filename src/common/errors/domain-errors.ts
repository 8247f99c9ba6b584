/**
 * Errors that services throw. They know nothing of HTTP beyond the status they stand for;
 * the global problem-details filter turns them into `application/problem+json` answers.
 */
export interface FieldError {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly type: string;
  abstract readonly title: string;

  constructor(
    detail: string,
    /** Extra members for the problem document (RFC 9457 extensions). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  readonly status = 400;
  readonly type = 'validation-failed';
  readonly title = 'Your request is not valid';
  constructor(
    readonly errors: FieldError[],
    detail = 'One or more fields are invalid.',
  ) {
    super(detail, { errors });
  }
}

export class BadRequestError extends DomainError {
  readonly status = 400;
  readonly type = 'bad-request';
  readonly title = 'Bad request';
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly type = 'unauthorized';
  readonly title = 'Not signed in';
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly type = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly type = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly type = 'conflict';
  readonly title = 'Conflict';
}

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly type = 'payload-too-large';
  readonly title = 'Payload too large';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  readonly type = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

export class UnprocessableError extends DomainError {
  readonly status = 422;
  readonly type = 'unprocessable';
  readonly title = 'The current state does not allow this';
}

export class TooManyRequestsError extends DomainError {
  readonly status = 429;
  readonly type = 'too-many-requests';
  readonly title = 'Too many requests';
  constructor(
    detail: string,
    /** Seconds until the caller may try again (also sent as `Retry-After`). */
    readonly retryAfterSeconds: number,
  ) {
    super(detail, { retryAfter: retryAfterSeconds });
  }
}

export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
  readonly type = 'service-unavailable';
  readonly title = 'Service unavailable';
}
