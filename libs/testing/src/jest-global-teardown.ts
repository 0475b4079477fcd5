/** Jest `globalTeardown`: stop containers the setup started. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__gatehouseInfrastructure?.stop();
}
