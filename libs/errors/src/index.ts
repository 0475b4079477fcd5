export { errorCodes, type ErrorCode } from './error-codes';
export { AppError, isAppError, rateLimitedError, validationError, type AppErrorOptions, type FieldIssue } from './app-error';
