import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    // The domain holds the rules; it must not know about HTTP, SQL or Redis.
    files: ['services/*/src/domain/**/*.ts', 'gateway/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/http/**', '../http', '**/store/**', '../store', '**/consumers/**'], message: 'domain/ must not import http/, store/ or consumers/.' },
            { group: ['express', 'pg', 'ioredis', 'amqplib'], message: 'domain/ must not depend on infrastructure.' },
          ],
        },
      ],
    },
  },
  {
    // Only config.ts reads the environment (and telemetry.ts its OTEL_* variables, before anything loads).
    files: ['services/*/src/**/*.ts', 'gateway/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/config.ts', 'libs/testing/**', '**/*.test.ts', 'services/*/src/main.ts', 'gateway/src/main.ts', 'services/*/src/telemetry.ts', 'gateway/src/telemetry.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read the environment in config.ts only.' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', performance: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off' },
  },
  {
    // The SDK's reference page: a browser ES module.
    files: ['libs/client/example/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { window: 'readonly', document: 'readonly' } },
  },
);
