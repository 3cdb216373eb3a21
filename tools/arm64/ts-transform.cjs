// A jest transformer in plain JavaScript (TypeScript's transpileModule, no type-check), for
// running tests where @swc/jest has no native binary: the arm64 run under qemu
// (scripts/arm64.mjs). Same output shape as the swc transform of jest.config.cts, including
// what swc does for CommonJS output that TypeScript does not: `import.meta.dirname` and
// `import.meta.filename` become `__dirname` and `__filename` (left as they are, `import.meta`
// makes the file ES module syntax that jest's CommonJS runtime refuses: @rt/mio-native's loader
// finds its prebuilds through `import.meta.dirname`).
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const ts = require('typescript');

// Jest's default cache key of a transformer without getCacheKey leaves out the transformer's own
// code: a changed transform (like the import.meta one above) would reuse outputs cached before it.
const SELF = createHash('sha256').update(readFileSync(__filename)).update(ts.version).digest('hex');

const META = { dirname: '__dirname', filename: '__filename' };

/** `import.meta.dirname` / `import.meta.filename` → `__dirname` / `__filename`. */
function importMetaPaths(context) {
  const visit = (node) => {
    if (ts.isPropertyAccessExpression(node) && ts.isMetaProperty(node.expression)
      && node.expression.keywordToken === ts.SyntaxKind.ImportKeyword
      && Object.hasOwn(META, node.name.text)) {
      return ts.factory.createIdentifier(META[node.name.text]);
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (file) => ts.visitNode(file, visit);
}

module.exports = {
  getCacheKey(source, filename, options) {
    return createHash('sha256').update(SELF).update('\0').update(filename).update('\0').update(source)
      .update('\0').update(options.configString ?? '').digest('hex');
  },
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
      transformers: { before: [importMetaPaths] },
    });
    return { code: out.outputText };
  },
};
