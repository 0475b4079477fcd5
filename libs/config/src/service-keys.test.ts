import Joi from 'joi';
import { baseServiceKeys, configSchema, databaseKeys, loadConfig, migrationConfigSchema } from './index';

const schema = configSchema({
  ...baseServiceKeys(4000),
  ...databaseKeys('sample_db'),
  SECRET: Joi.string().required(),
});
const load = (env: Record<string, string>) => loadConfig('sample', schema, { SECRET: 's', ...env });

describe('MANAGEMENT_PORT', () => {
  it('when nothing is set, then probes and metrics get port 9090 beside the API port', () => {
    expect(load({})).toMatchObject({ PORT: 4000, MANAGEMENT_PORT: 9090 });
  });

  it('when it equals PORT, then boot stops naming both', () => {
    expect(() => load({ PORT: '9090' })).toThrow(/"MANAGEMENT_PORT" must differ from PORT/);
    expect(() => load({ PORT: '8080', MANAGEMENT_PORT: '8080' })).toThrow(/"MANAGEMENT_PORT" must differ from PORT/);
  });

  it('when both are 0 (tests), then each bind picks its own port and the config is accepted', () => {
    expect(load({ PORT: '0', MANAGEMENT_PORT: '0' })).toMatchObject({ PORT: 0, MANAGEMENT_PORT: 0 });
  });
});

describe('database boot switches', () => {
  it.each(['development', 'test'])('when NODE_ENV=%s, then the database is created and migrated at boot', (nodeEnv) => {
    expect(load({ NODE_ENV: nodeEnv })).toMatchObject({ DATABASE_CREATE: true, MIGRATE_ON_BOOT: true });
  });

  it('when NODE_ENV=production, then boot neither creates nor migrates unless told to', () => {
    expect(load({ NODE_ENV: 'production' })).toMatchObject({ DATABASE_CREATE: false, MIGRATE_ON_BOOT: false });
    expect(load({ NODE_ENV: 'production', MIGRATE_ON_BOOT: '1' })).toMatchObject({ MIGRATE_ON_BOOT: true });
  });

  it('when the runtime role is not a plain role name, then it is refused', () => {
    expect(load({ DATABASE_RUNTIME_ROLE: 'gatehouse_app' }).DATABASE_RUNTIME_ROLE).toBe('gatehouse_app');
    expect(() => load({ DATABASE_RUNTIME_ROLE: 'app"; DROP ROLE x; --' })).toThrow(/DATABASE_RUNTIME_ROLE/);
  });
});

describe('migrationConfigSchema', () => {
  const production = schema.when(Joi.object({ NODE_ENV: 'production' }).unknown(), { then: Joi.object({ SECRET: Joi.string().min(32) }) });

  it("when a migrate job loads its settings, then it gets the service's database defaults and needs none of its secrets", () => {
    const config = loadConfig('sample', migrationConfigSchema(production), { NODE_ENV: 'production', DATABASE_RUNTIME_ROLE: 'app' });

    expect(config).toEqual({
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/sample_db',
      DATABASE_CREATE: false,
      DATABASE_RUNTIME_ROLE: 'app',
    });
  });

  it('when a migrate job is given time limits for its migrations, then it reads them, and refuses ones that are not whole milliseconds', () => {
    const config = loadConfig('sample', migrationConfigSchema(production), { MIGRATION_STATEMENT_TIMEOUT_MS: '0', MIGRATION_LOCK_TIMEOUT_MS: '30000' });

    expect(config).toMatchObject({ MIGRATION_STATEMENT_TIMEOUT_MS: 0, MIGRATION_LOCK_TIMEOUT_MS: 30_000 });
    expect(() => loadConfig('sample', migrationConfigSchema(production), { MIGRATION_LOCK_TIMEOUT_MS: '10s' })).toThrow(/MIGRATION_LOCK_TIMEOUT_MS/);
  });
});
