// The payloads http.bench.mjs's servers answer with, shared so both send the same bytes.

/** A 4 KiB JSON document (exactly 4096 bytes), as a string. */
export const json = (() => {
  const items = Array.from({ length: 40 }, (_, id) => ({ id, name: `item-${id}`, tags: ['a', 'b'], price: id * 1.5 }));
  const bare = JSON.stringify({ items, pad: '' });
  if (bare.length > 4096) throw new Error('http-routes: the JSON document outgrew 4 KiB');
  return JSON.stringify({ items, pad: 'x'.repeat(4096 - bare.length) });
})();
