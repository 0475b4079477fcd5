import Joi from 'joi';
import { loadConfig, ConfigError, originList, flag } from './index';

interface Sample {
  PORT: number;
  ORIGINS: string[];
  SECURE: boolean;
}
const schema = Joi.object<Sample>({
  PORT: Joi.number().integer().min(1).default(4000),
  ORIGINS: originList().default('http://localhost:3000'),
  SECURE: flag().default(true),
});

describe('loadConfig', () => {
  it('when variables are absent, then defaults apply and the result is frozen', () => {
    const config = loadConfig('sample', schema, {});
    expect(config).toEqual({ PORT: 4000, ORIGINS: ['http://localhost:3000'], SECURE: true });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ORIGINS)).toBe(true);
  });

  it('when values are given as strings, then they are converted', () => {
    const config = loadConfig('sample', schema, { PORT: '8080', ORIGINS: 'https://a.example, https://b.example:8443', SECURE: '0' });
    expect(config).toEqual({ PORT: 8080, ORIGINS: ['https://a.example', 'https://b.example:8443'], SECURE: false });
  });

  it('when several values are wrong, then every problem is reported at once', () => {
    let caught: unknown;
    try {
      loadConfig('sample', schema, { PORT: 'eighty', ORIGINS: 'https://a.example/path' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect((caught as ConfigError).message).toMatch(/PORT/);
    expect((caught as ConfigError).message).toMatch(/did you mean "https:\/\/a.example"/);
  });

  it('when an empty string is given, then it counts as unset', () => {
    expect(loadConfig('sample', schema, { PORT: '' }).PORT).toBe(4000);
  });
});
