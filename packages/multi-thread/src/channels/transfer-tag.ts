// The key a transfer descriptor is recognised by (shared by transfer.ts and the ends).

/** The property naming a descriptor's kind: `{ __rtTransfer: 'mpsc.Sender', … }`. */
export const TRANSFER_TAG = '__rtTransfer';
