export { errorCodes, type ErrorCode } from './error-codes';
export { AppError, isAppError, validationError, type AppErrorOptions, type FieldIssue } from './app-error';
