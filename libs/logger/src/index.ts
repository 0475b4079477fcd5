export { createLogger, redactedPaths, type Logger, type LoggerOptions } from './create-logger';
export { activeTraceFields, type TraceFields } from './trace-fields';
