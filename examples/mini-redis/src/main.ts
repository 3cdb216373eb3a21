// `node dist/main.js [--port 6379] [--host 127.0.0.1] [--max-connections 10000]`
// (`pnpm --filter ./examples/mini-redis start -- --port 6380`): runs mini-redis under
// `main()` from @rt/macros, which turns SIGINT/SIGTERM into a graceful shutdown (the
// commands already read are answered, then the connections close; a second signal exits
// at once).
import { main } from '@rt/macros';
import { parseArguments, serve, usage } from './cli.js';

let parsed: ReturnType<typeof parseArguments> | undefined;
try {
  parsed = parseArguments(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
if (parsed?.help) console.log(usage);
else if (parsed !== undefined) {
  const { help: _help, ...options } = parsed;
  void main(() => serve(options, (line) => console.log(line)), { name: 'mini-redis' });
}
