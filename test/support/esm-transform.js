// NestJS 12, jose and a few of their dependencies ship ES modules only. Node 20 can require()
// them, but jest's module loader only can on Node 24.9+, so under jest every ES module in
// node_modules is compiled to CommonJS by swc. CommonJS files pass through untouched: recompiling
// them would only cost time.
const { createTransformer } = require('@swc/jest');

const ESM_SYNTAX = /^\s*(?:import\s*[\w{*'"]|export\s*[\w{*])/m;

module.exports = {
  createTransformer(swcOptions) {
    const swc = createTransformer(swcOptions);
    const passThrough = (src, filename) =>
      filename.includes('/node_modules/') && !filename.endsWith('.mjs') && !ESM_SYNTAX.test(src);
    return {
      ...swc,
      process(src, filename, options) {
        return passThrough(src, filename) ? { code: src } : swc.process(src, filename, options);
      },
      processAsync(src, filename, options) {
        return passThrough(src, filename) ? Promise.resolve({ code: src }) : swc.processAsync(src, filename, options);
      },
      getCacheKey(src, filename, options) {
        return `${passThrough(src, filename) ? 'raw' : 'swc'}:${swc.getCacheKey(src, filename, options)}`;
      },
    };
  },
};
