import Joi from 'joi';
import { configSchema, loadConfig, oneOf, optional, originList, type ConfigOf } from './index';

const fields = {
  PORT: Joi.number().integer().default(4000),
  ORIGINS: originList().default('http://localhost:3000'),
  MODE: oneOf('fast', 'safe').default('safe'),
  SECRET: optional(Joi.string().min(8)),
};
type Sample = ConfigOf<typeof fields>;

// Compile-time checks: the derived type is what the rules produce, and only optional() may be absent.
const complete: Sample = { PORT: 1, ORIGINS: ['https://a.example'], MODE: 'fast' };
// @ts-expect-error a list, not the raw string
const rawList: Sample = { PORT: 1, ORIGINS: 'https://a.example', MODE: 'fast' };
// @ts-expect-error only the listed values
const otherMode: Sample = { PORT: 1, ORIGINS: [], MODE: 'slow' };
// @ts-expect-error PORT has a default, so it is always there
const noPort: Sample = { ORIGINS: [], MODE: 'fast' };

describe('configSchema', () => {
  it('when the environment is loaded, then the result has the shape its type states', () => {
    const config = loadConfig('sample', configSchema(fields), { ORIGINS: 'https://a.example', SECRET: 'long enough' });

    expect(config).toEqual({ PORT: 4000, ORIGINS: ['https://a.example'], MODE: 'safe', SECRET: 'long enough' });
    expect(Object.keys(complete)).toEqual(['PORT', 'ORIGINS', 'MODE']);
    expect([rawList, otherMode, noPort]).toHaveLength(3);
  });

  it('when an optional key is unset, then it is absent', () => {
    expect(loadConfig('sample', configSchema(fields), {})).not.toHaveProperty('SECRET');
  });

  it('when a value is not one of oneOf, then boot stops naming the choices', () => {
    expect(() => loadConfig('sample', configSchema(fields), { MODE: 'slow' })).toThrow(/"MODE" must be one of \[fast, safe\]/);
  });
});
