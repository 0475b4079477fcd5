export { infrastructureImages } from './images';
export {
  resolveInfrastructure,
  exportInfrastructure,
  testInfrastructure,
  type Infrastructure,
  type ResolvedInfrastructure,
} from './infrastructure';
export { createTestDatabase, createTestRedisPrefix, serveOnFreePort, uniqueName, type TestDatabase, type RunningServer } from './isolation';
export { parseSetCookie, setCookies, type SetCookie } from './cookies';
export { captureLogs } from './log-capture';
export { startBrokerProxy, type BrokerProxy } from './broker-proxy';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { startSmtpCapture, type SmtpCapture, type CapturedEmail } from './smtp-capture';
export { eventually } from './eventually';
export { endPool } from './end-pool';
export { totpCode, totpStep, wrongTotpCode } from './totp';
