import js from '@eslint/js';
import { config as hubspotUiExtensions } from '@hubspot/eslint-config-ui-extensions';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** The HubSpot project's extensions: the cards, the settings page and the code they share. */
const extensions = ['hubspot-app/**/*.{ts,tsx}'];
const scoped = (config) => ({ ...config, files: extensions });

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.referralynx/', 'hubspot-app/**/node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only the configuration module reads the environment (STYLE.md: one schema, parsed once).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config/env.ts.' }],
    },
  },
  {
    files: ['src/config/env.ts', 'test/**', 'server/cli.ts', 'bench/**'],
    rules: { 'no-restricted-properties': 'off' },
  },

  // The extensions, as HubSpot's README for @hubspot/eslint-config-ui-extensions recommends: its rules (no HTML
  // elements, no browser or Node APIs the sandboxed worker lacks, no native HTTP, the worker's globals), React's
  // recommended rules for the automatic runtime, and the rules of hooks.
  ...hubspotUiExtensions.filter((config) => config.plugins?.['@hubspot/ui-extensions']).map(scoped),
  scoped(react.configs.flat.recommended),
  scoped(react.configs.flat['jsx-runtime']),
  scoped(reactHooks.configs.flat['recommended-latest']),
  {
    files: extensions,
    settings: { react: { version: '18.3' } },
    rules: {
      // HubSpot's no-parent-imports and no-invalid-extension-point-imports find extensions under src/app/ only, and
      // this project's source directory is hubspot-app/: the same boundary, said here. Each extension folder is
      // built alone, so shared code goes through the @referralynx/hubspot-shared workspace.
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', '!./*'], message: 'HubSpot builds each extension folder alone: share code through @referralynx/hubspot-shared (hubspot-app/shared).' }] },
      ],
      // One module calls the server (STYLE.md): hubspot-app/shared/api.ts.
      'no-restricted-properties': ['error', { object: 'hubspot', property: 'fetch', message: 'Call the server through createApi() in hubspot-app/shared/api.ts.' }],
    },
  },
  {
    files: ['hubspot-app/shared/api.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
