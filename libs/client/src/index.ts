export { createGatehouseClient } from './gatehouse-client.js';
export { GatehouseError } from './gatehouse-error.js';
export type { GatehouseClient, GatehouseClientOptions, User } from './client.types.js';
