/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'commonjs' },
  },
];

// NestJS 12, jose and a few of their dependencies ship ES modules only. Jest's module loader
// requires them natively on Node 24.9+ when vm modules are enabled (`--experimental-vm-modules`
// in `npm test`), so node_modules is not transformed.
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/{src,worker,dev,test}/**/*.{spec,int-spec,e2e-spec}.ts', '<rootDir>/infra/test/**/*.spec.ts'],
  // infra/ is its own package with its own node_modules (aws-cdk-lib); its tests run here too.
  modulePathIgnorePatterns: ['<rootDir>/infra/cdk.out'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
};
