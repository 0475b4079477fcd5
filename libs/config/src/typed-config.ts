import Joi from 'joi';

/**
 * The fields of a configuration: one Joi rule per environment variable. Each rule states the
 * type it validates to through Joi's own type parameter (`Joi.string<string[]>()` for a list
 * that `custom()` splits); a field may be absent afterwards only when wrapped in {@link optional}.
 */
export type ConfigFields = Readonly<Record<string, Joi.AnySchema>>;

type Output<S> = S extends Joi.AnySchema<infer T> ? T : never;
type MayBeAbsent<S> = undefined extends Output<S> ? true : false;

/**
 * The validated configuration that `fields` describe, so that a service's type is derived from
 * its schema instead of kept beside it by hand. A field has a value (a default, a required key,
 * or one the object-level rules fill) unless it is {@link optional}.
 */
export type ConfigOf<F extends ConfigFields> = Flat<
  { [K in keyof F as MayBeAbsent<F[K]> extends true ? never : K]: Output<F[K]> } & {
    [K in keyof F as MayBeAbsent<F[K]> extends true ? K : never]?: Exclude<Output<F[K]>, undefined>;
  }
>;

/** One object type instead of an intersection, for readable hovers and error messages. */
type Flat<T> = { [K in keyof T]: T[K] };

/** Marks a field that may be absent after validation: no default, not required everywhere. */
export function optional<T>(schema: Joi.AnySchema<T>): Joi.AnySchema<T | undefined> {
  return schema;
}

/** A string that must be one of `values`, typed as their union. */
export function oneOf<const V extends readonly string[]>(...values: V): Joi.StringSchema<V[number]> {
  return Joi.string<V[number]>().valid(...values);
}

/** The object schema of `fields`, typed with the configuration they validate to. */
export function configSchema<F extends ConfigFields>(fields: F): Joi.ObjectSchema<ConfigOf<F>> {
  return Joi.object<ConfigOf<F>>(fields);
}
