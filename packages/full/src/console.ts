// Feature `console` (tokio-console's role): serveConsole, ConsoleClient and the rt-console
// protocol (@rt/console).
export * from '@rt/console';
