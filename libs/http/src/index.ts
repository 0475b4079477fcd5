export { createHttpApp, type HttpApp, type HttpAppOptions } from './create-http-app';
export { errorHandler, sendProblem } from './error-handler';
export { problemKinds, problemBody, PROBLEM_CONTENT_TYPE, type ProblemBody } from './problem';
export { validate } from './validate';
export { route } from './routes';
export { requestId } from './request-id';
export { listen, closeServer, onShutdownSignal, type ShutdownOptions } from './serve';
export type { ReadinessCheck } from './health';
export { runService, type ServiceToRun } from './run-service';
