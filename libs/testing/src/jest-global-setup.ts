import { resolveInfrastructure, exportInfrastructure, type ResolvedInfrastructure } from './infrastructure';

declare global {
  var __gatehouseInfrastructure: ResolvedInfrastructure | undefined;
}

/** Jest `globalSetup`: resolve the services once for all workers. */
export default async function globalSetup(): Promise<void> {
  const infrastructure = await resolveInfrastructure();
  exportInfrastructure(infrastructure);
  globalThis.__gatehouseInfrastructure = infrastructure;
}
