export { createGatehouseClient } from './gatehouse-client.js';
export { GatehouseError, type FieldIssue } from './gatehouse-error.js';
export type { GatehouseClient, GatehouseClientOptions, MfaChallenge, MfaProof, PasskeyInfo, User } from './client.types.js';
