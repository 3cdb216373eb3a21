// Takes out each line's leading whitespace of emitted JavaScript (not inside string or template
// literals) and moves its source map's generated columns with it: see scripts/emit-js.mjs.
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * `text` without each line's leading whitespace, except where a line starts inside a string or
 * template literal; `map` (a source map of `text`) with each line's generated columns moved by what
 * its line lost.
 */
export function dedent(ts, name, text, map) {
  const inLiteral = literalTest(ts, name, text);
  // Lines as JavaScript and the source map count them (CRLF, LF, CR, U+2028, U+2029: a string
  // literal may hold a raw U+2028, or a CR as its line continuation), each with its terminator.
  const parts = text.split(/(\r\n|[\n\r\u2028\u2029])/);
  const lines = [];
  const ends = [];
  for (let i = 0; i < parts.length; i += 2) {
    lines.push(parts[i]);
    ends.push(parts[i + 1] ?? '');
  }
  const cut = [];
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const indent = /^[ \t]*/.exec(line)[0].length;
    cut.push(indent > 0 && !inLiteral(offset) ? indent : 0);
    offset += line.length + ends[i].length;
  }
  const mappings = map === undefined ? undefined : map.mappings.split(';');
  if (mappings !== undefined) {
    for (let i = 0; i < mappings.length && i < cut.length; i++) {
      if (cut[i] === 0 || mappings[i] === '') continue;
      // Segments' generated columns: the first absolute in its line, the rest relative to the one
      // before; one inside the indentation (esbuild maps a line's start) moves to column 0.
      let column = 0;
      let moved = 0;
      mappings[i] = mappings[i].split(',').map((segment) => {
        const fields = decodeVlqs(segment);
        column += fields[0];
        const now = Math.max(0, column - cut[i]);
        fields[0] = now - moved;
        moved = now;
        return fields.map(encodeVlq).join('');
      }).join(',');
    }
  }
  const out = lines.map((line, i) => line.slice(cut[i]) + ends[i]).join('');
  return { text: out, map: map === undefined ? undefined : { ...map, mappings: mappings.join(';') } };
}

/** A test of whether an offset of `text` (JavaScript) lies inside a string or template literal's text. */
export function literalTest(ts, name, text) {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const literals = [];
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.StringLiteral || node.kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral
      || node.kind === ts.SyntaxKind.TemplateHead || node.kind === ts.SyntaxKind.TemplateMiddle || node.kind === ts.SyntaxKind.TemplateTail) {
      literals.push([node.getStart(source), node.end]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return (offset) => literals.some(([start, end]) => offset > start && offset < end);
}

/** Every base64 VLQ number of `segment`. */
export function decodeVlqs(segment) {
  const values = [];
  for (let rest = segment; rest.length > 0;) {
    const { value, length } = decodeVlq(rest);
    values.push(value);
    rest = rest.slice(length);
  }
  return values;
}

/** The first base64 VLQ number of `segment`: its value and how many characters it took. */
function decodeVlq(segment) {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < segment.length; i++) {
    const digit = BASE64.indexOf(segment[i]);
    result += (digit & 31) << shift;
    if ((digit & 32) === 0) return { value: result & 1 ? -(result >>> 1) : result >>> 1, length: i + 1 };
    shift += 5;
  }
  throw new Error(`emit-js: a malformed source map segment ${JSON.stringify(segment)}`);
}

export function encodeVlq(value) {
  let vlq = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = vlq & 31;
    vlq >>>= 5;
    if (vlq > 0) digit |= 32;
    out += BASE64[digit];
  } while (vlq > 0);
  return out;
}

