import Joi from 'joi';
import { oneOf } from './typed-config';

/** A comma-separated list of origins (`https://app.example.com,http://localhost:3000`). */
export const originList = () =>
  Joi.string<string[]>().custom((raw: string, helpers) => {
    const origins = raw
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0);
    for (const origin of origins) {
      let parsed: URL;
      try {
        parsed = new URL(origin);
      } catch {
        return helpers.message({ custom: `"${origin}" is not an origin (scheme://host[:port])` });
      }
      if (parsed.origin !== origin) {
        return helpers.message({ custom: `"${origin}" is not an origin; did you mean "${parsed.origin}"?` });
      }
    }
    return origins;
  });

/** A comma-separated list of plain strings, e.g. file paths. */
export const stringList = () =>
  Joi.string<string[]>().custom((raw: string) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

export const port = () => Joi.number().integer().min(0).max(65535);

export const logLevel = () => oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info');

export const nodeEnv = () => oneOf('development', 'production', 'test').default('development');

/** Boolean from the environment: accepts true/false/1/0. */
export const flag = () => Joi.boolean().truthy('1').falsy('0');

export const url = (schemes: string[]) => Joi.string().uri({ scheme: schemes });
