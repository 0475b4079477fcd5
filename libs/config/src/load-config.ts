import type { ObjectSchema } from 'joi';

/** Thrown when the environment does not satisfy a service's schema; lists every problem. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid configuration for ${service}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

interface Described {
  keys?: Record<string, { flags?: { default?: unknown } }>;
  renames?: { from: string; to: string }[];
}

/**
 * Validates `env` against `schema` once and returns a deeply frozen, typed result.
 * Unknown variables are ignored (the environment holds much more than ours); every
 * problem is reported at once so an operator fixes them in one go. A key the schema
 * `.rename()`s is a deprecated name: its value is used for the new key, with a warning,
 * and setting both is refused.
 */
export function loadConfig<T extends object>(service: string, schema: ObjectSchema<T>, env: Env): Readonly<T> {
  const relevant: Record<string, unknown> = {};
  const described = schema.describe() as Described;
  const renamed = new Set<string>();
  for (const { from, to } of described.renames ?? []) {
    const value = env[from];
    if (value === undefined || value === '') continue;
    relevant[from] = value;
    renamed.add(to);
    process.emitWarning(`${from} is deprecated and will stop working in the next release: set ${to} instead`, {
      type: 'DeprecationWarning',
      code: 'GATEHOUSE_RENAMED_ENV',
    });
  }
  for (const [key, description] of Object.entries(described.keys ?? {})) {
    const value = env[key];
    // Defaults are written as an operator would write them in the environment, and are
    // validated and converted the same way (Joi itself passes defaults through untouched).
    if (value !== undefined && value !== '') relevant[key] = value;
    else if (typeof description.flags?.default === 'string' && !renamed.has(key)) relevant[key] = description.flags.default;
  }
  const { value, error } = schema.validate(relevant, { abortEarly: false, convert: true, allowUnknown: false });
  if (error) {
    throw new ConfigError(
      service,
      error.details.map((d) => d.message),
    );
  }
  return deepFreeze(value as T);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
