// A jest transformer in plain JavaScript (TypeScript's transpileModule, no type-check), for
// running tests where @swc/jest has no native binary: the arm64 run under qemu
// (scripts/arm64.mjs). Same output shape as the swc transform of jest.config.cts.
const ts = require('typescript');

module.exports = {
  process(source, filename) {
    const out = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
        experimentalDecorators: false,
      },
    });
    return { code: out.outputText };
  },
};
