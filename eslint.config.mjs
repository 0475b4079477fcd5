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
    // Type-aware rules: one program for the packages and their tests, one for the browser SDK.
    languageOptions: { parserOptions: { project: ['./tsconfig.test.json', './libs/client/tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its rejection; one handed to a callback that ignores it too.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    // The domain holds the rules; it must not know about HTTP, SQL or Redis.
    files: ['services/*/src/domain/**/*.ts', 'gateway/src/domain/**/*.ts'],
    // A unit test may build its fixtures with the real adapters.
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/**', '../http', '**/store/**', '../store', '**/consumers/**', '**/crypto/**', '../crypto'],
              message: 'domain/ must not import http/, store/, consumers/ or crypto/: it receives them through ports.',
            },
            { group: ['express', 'pg', 'ioredis', 'amqplib', '@gatehouse/http', '@gatehouse/db'], message: 'domain/ must not depend on infrastructure.' },
          ],
        },
      ],
    },
  },
  {
    // Libraries serve the services, never the other way round.
    files: ['libs/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/services/**', '**/gateway/**', '@gatehouse/auth', '@gatehouse/user', '@gatehouse/notification', '@gatehouse/gateway'],
              message: 'libs/ must not import a service or the gateway.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only config.ts reads the environment (and telemetry.ts its OTEL_* variables, before anything loads).
    files: ['services/*/src/**/*.ts', 'gateway/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: [
      '**/config.ts',
      'libs/testing/**',
      '**/*.test.ts',
      'services/*/src/main.ts',
      'gateway/src/main.ts',
      'services/*/src/telemetry.ts',
      'gateway/src/telemetry.ts',
    ],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read the environment in config.ts only.' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off' },
  },
  {
    // The SDK's reference page: a browser ES module.
    files: ['libs/client/example/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { window: 'readonly', document: 'readonly' } },
  },
);
