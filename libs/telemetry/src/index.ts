export { startTelemetry, tracingEnabled, type Telemetry, type TelemetryEnv } from './start-telemetry';
export { redactQuery, redactedIncomingQuery, redactedOutgoingUrl } from './url-redaction';
