// Pub/sub on `@rt/sync` broadcast channels, as Tokio's mini-redis does it: one broadcast
// channel per Redis channel name, created by its first subscriber and dropped with its
// last; a subscribed connection holds one broadcast receiver per channel and a forwarding
// task per receiver that moves messages into the connection's own bounded mpsc queue and
// notifies the connection, which `select`s on that notification and its socket.
//
// A subscriber that does not keep up fills its mpsc queue, its forwarders stop receiving,
// and the broadcast channel overwrites what they did not read (`Lagged`): the slow
// subscriber misses messages instead of making the publisher or the server buffer without
// bound (Redis disconnects it instead; both bound memory).
import { spawn, type JoinHandle } from '@rt/scheduler';
import { broadcast, Lagged, mpsc, Notify } from '@rt/sync';

/** A message delivered to a subscriber: the channel name (latin1) and the payload. */
export type Message = readonly [channel: string, payload: Buffer];

/** The server-wide channel registry. */
export class PubSub {
  readonly #channels = new Map<string, broadcast.Sender<Buffer>>();
  readonly capacity: number;

  /** @param capacity messages a broadcast channel retains for a lagging subscriber. */
  constructor(capacity = 1024) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`PubSub: capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
  }

  /** Number of channels with at least one subscriber. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Sends `payload` (copied) to every subscriber of `channel`; returns how many there are. */
  publish(channel: string, payload: Uint8Array): number {
    const sender = this.#channels.get(channel);
    if (sender === undefined) return 0;
    if (sender.receiverCount === 0) {
      this.#drop(channel, sender);
      return 0;
    }
    return sender.send(Buffer.from(payload));
  }

  /** A new receiver on `channel`, creating the channel for its first subscriber. */
  subscribe(channel: string): broadcast.Receiver<Buffer> {
    const sender = this.#channels.get(channel);
    if (sender !== undefined) return sender.subscribe();
    const [created, receiver] = broadcast.channel<Buffer>(this.capacity);
    this.#channels.set(channel, created);
    return receiver;
  }

  /** Closes `receiver` and drops `channel` when it was its last subscriber. */
  unsubscribe(channel: string, receiver: broadcast.Receiver<Buffer>): void {
    receiver.close();
    const sender = this.#channels.get(channel);
    if (sender !== undefined && sender.receiverCount === 0) this.#drop(channel, sender);
  }

  #drop(channel: string, sender: broadcast.Sender<Buffer>): void {
    this.#channels.delete(channel);
    sender.close();
  }
}

interface Subscription {
  readonly receiver: broadcast.Receiver<Buffer>;
  readonly forwarder: JoinHandle<void>;
}

/** One connection's subscriptions and the queue its forwarders fill. */
export class Subscriptions {
  readonly #pubSub: PubSub;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #sender: mpsc.Sender<Message>;
  /** The connection takes its messages from here, with `tryRecv`. */
  readonly messages: mpsc.Receiver<Message>;
  /** Notified after each message put in `messages`. */
  readonly arrived = new Notify();

  constructor(pubSub: PubSub, queue = 256) {
    this.#pubSub = pubSub;
    [this.#sender, this.messages] = mpsc.channel<Message>(queue);
  }

  /** Number of channels this connection is subscribed to. */
  get count(): number {
    return this.#subscriptions.size;
  }

  /** The subscribed channel names, in subscription order. */
  channels(): string[] {
    return [...this.#subscriptions.keys()];
  }

  /** Subscribes to `channel` (no-op when already subscribed); returns the new count. */
  subscribe(channel: string): number {
    if (this.#subscriptions.has(channel)) return this.#subscriptions.size;
    const receiver = this.#pubSub.subscribe(channel);
    const sender = this.#sender;
    const arrived = this.arrived;
    const forwarder = spawn(async () => {
      for (;;) {
        let payload: Buffer;
        try {
          payload = await receiver.recv();
        } catch (error) {
          if (error instanceof Lagged) continue; // missed some: carry on with the oldest retained
          return; // closed (unsubscribed) or aborted
        }
        try {
          await sender.send([channel, payload]);
          arrived.notifyOne();
        } catch {
          return; // the connection is gone
        }
      }
    }, { name: `mini-redis forwarder ${channel}` });
    this.#subscriptions.set(channel, { receiver, forwarder });
    return this.#subscriptions.size;
  }

  /** Unsubscribes from `channel`; returns the new count (unchanged when not subscribed). */
  unsubscribe(channel: string): number {
    const subscription = this.#subscriptions.get(channel);
    if (subscription === undefined) return this.#subscriptions.size;
    this.#subscriptions.delete(channel);
    subscription.forwarder.abort();
    this.#pubSub.unsubscribe(channel, subscription.receiver);
    return this.#subscriptions.size;
  }

  /** Unsubscribes from everything and closes the queue (the connection is closing). */
  close(): void {
    for (const channel of [...this.#subscriptions.keys()]) this.unsubscribe(channel);
    this.#sender.close();
    this.messages.close();
  }
}
