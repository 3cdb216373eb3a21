import { serve } from '../packages/http/dist/index.js';
import { json } from './baselines/http-routes.mjs';
const body = process.env.JSON ? json : 'Hello, World!';
const cached = new Response(body, { headers: { 'content-type': 'text/plain' } });
const mode = process.env.MODE;
const server = await serve({ port: Number(process.argv[2]) }, mode === 'cached' ? () => cached : () => new Response(body, { headers: { 'content-type': 'text/plain' } }));
console.log('listening', server.addr.port);
process.on('SIGINT', () => process.exit(0));
