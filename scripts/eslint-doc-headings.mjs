// A tiny local ESLint plugin: one spelling for the headings of doc comments (STYLE.md),
//   **Cancellation:**   **Errors:**   **Example**
// Reports (and with --fix rewrites) the other spellings found in /** */ comments:
// `**Cancellation**:`, `**Errors.**`, `**Example:**`, a plain `Errors:`, the JSDoc tag
// `@example`, … Fenced code
// blocks (```) inside a comment are left alone.

/** The one spelling of each heading. */
export const HEADINGS = { Cancellation: '**Cancellation:**', Errors: '**Errors:**', Example: '**Example**' };

// Bold with any placement of ':' / '.', a plain word followed by ':', or the `@example` tag.
const CANDIDATE = /(\*\*)?\b(Cancellation|Errors|Example)\b(?:(\*\*[:.]?|[:.]\*\*[:.]?)|(:)(?=\s|$))?|(@example)\b/g;

/** The wrong spellings in a doc comment's text: [{ index, text, word }]. */
export function findWrongHeadings(text) {
  const found = [];
  let offset = 0;
  // Even segments are prose, odd ones fenced code.
  text.split('```').forEach((segment, i) => {
    if (i % 2 === 0) {
      for (const m of segment.matchAll(CANDIDATE)) {
        const [spelled, open, heading, boldTail, plainColon, tag] = m;
        const word = tag === undefined ? heading : 'Example';
        if (tag !== undefined) {
          found.push({ index: offset + m.index, text: spelled, word });
          continue;
        }
        const bold = open !== undefined && boldTail !== undefined;
        const plain = open === undefined && plainColon !== undefined;
        if ((bold || plain) && spelled !== HEADINGS[word]) found.push({ index: offset + m.index, text: spelled, word });
      }
    }
    offset += segment.length + 3;
  });
  return found;
}

const docHeadings = {
  meta: {
    type: 'layout',
    fixable: 'code',
    docs: { description: 'One spelling for the **Cancellation:** / **Errors:** / **Example** headings of doc comments' },
    schema: [],
    messages: { wrong: "Doc comment heading '{{text}}': spell it '{{want}}'." },
  },
  create(context) {
    const source = context.sourceCode;
    return {
      Program() {
        for (const comment of source.getAllComments()) {
          if (comment.type !== 'Block' || !comment.value.startsWith('*')) continue;
          const start = comment.range[0] + 2; // after '/*'
          for (const { index, text, word } of findWrongHeadings(comment.value)) {
            const range = [start + index, start + index + text.length];
            context.report({
              loc: { start: source.getLocFromIndex(range[0]), end: source.getLocFromIndex(range[1]) },
              messageId: 'wrong',
              data: { text, want: HEADINGS[word] },
              fix: (fixer) => fixer.replaceTextRange(range, HEADINGS[word]),
            });
          }
        }
      },
    };
  },
};

export const docHeadingsPlugin = { rules: { 'doc-headings': docHeadings } };
