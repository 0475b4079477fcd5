export { infrastructureImages } from './images';
export {
  SERVICE_KINDS,
  SERVICE_LABELS,
  HOW_TO_START,
  COMPOSE_COMMAND,
  isReachable,
  startContainer,
  type ServiceKind,
  type StartedContainer,
} from './local-services';
export { resolveInfrastructure, exportInfrastructure, testInfrastructure, type Infrastructure, type ResolvedInfrastructure } from './infrastructure';
export { createTestDatabase, createTestRedisPrefix, serveOnFreePort, managementUrl, uniqueName, type TestDatabase, type RunningServer } from './isolation';
export { parseSetCookie, setCookies, type SetCookie } from './cookies';
export { captureLogs } from './log-capture';
export { startBrokerProxy, type BrokerProxy } from './broker-proxy';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { startRedisCluster, type RedisCluster } from './redis-cluster';
export { startSmtpCapture, type SmtpCapture, type CapturedEmail } from './smtp-capture';
export { startOtlpReceiver, SPAN_KIND, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
export { eventually } from './eventually';
export { endPool } from './end-pool';
export { totpCode, totpStep, wrongTotpCode } from './totp';
export { SoftwareAuthenticator, type CeremonyOverrides, type SoftwareAuthenticatorOptions } from './webauthn';
export { signTestJwt, algorithmOf } from './sign-jwt';
