// Usage: node dist/main.js [host:port]   (default 127.0.0.1:7008), then `nc 127.0.0.1 7008`
// from several terminals.
import { netDriver } from '@rt/net';
import { startChatServer } from './server.js';

async function main(addr: string): Promise<void> {
  const server = await startChatServer(addr);
  const { ip, port } = server.localAddr;
  console.log(`chat server on ${server.localAddr.toString()} (net driver: ${netDriver()}); join with: nc ${ip} ${port}`);
  const stop = (): void => {
    void server.close().then(() => console.log('chat server stopped'));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv[2] ?? '127.0.0.1:7008').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
