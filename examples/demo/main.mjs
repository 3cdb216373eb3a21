// The demo of what works today; it grows as packages land.
console.log('rt demo: the workspace builds; no runtime package has landed yet.');
