/**
 * Errors a caller can act on: each carries a stable `code` and the HTTP status it maps to. The HTTP
 * layer turns them into `{ "error": { "code", "message" } }` in one place.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'invalid_request', message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message: string, code = 'unauthorized') {
    super(401, code, message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(503, code, message, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}
