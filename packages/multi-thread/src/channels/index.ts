// Cross-thread channels and synchronisation (work in progress).
export { encodeTransferables, decodeTransferables } from './transfer.js';
export type { TransferDescriptor } from './transfer.js';
