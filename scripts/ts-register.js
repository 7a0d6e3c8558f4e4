// Lets plain `node` run the TypeScript sources (worker/main.ts, bench/*.ts) in a child process,
// for tests that must SIGKILL a worker and for benchmarks. Compiles each .ts file with swc on
// require, as jest does: Node 24's own type stripping cannot emit the decorator metadata NestJS
// injects by. ES-module-only dependencies load through Node's own require(esm).
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
