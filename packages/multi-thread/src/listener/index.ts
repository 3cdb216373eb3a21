// Shared listeners: one TCP listening address served by every worker of a multi-thread
// runtime, by SO_REUSEPORT (`mode: 'reusePort'`) or by a main-thread accept loop handing
// accepted fds to the least-loaded worker (`mode: 'handoff'`).
export { SharedListener } from './shared-listener.js';
export type { SharedListenerMode, SharedListenerOptions } from './shared-listener.js';
