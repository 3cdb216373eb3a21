// The TracingChannels @rt/net publishes (names and message shapes: @rt/scheduler's README,
// "Observability"). Callers check `hasSubscribers` first, so an unobserved accept or connect
// pays one property read.
import { tryCurrentTask } from '@rt/scheduler';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { tracingChannel } = process.getBuiltinModule('node:diagnostics_channel');

export const acceptChannel = tracingChannel('rt:net:accept');
export const connectChannel = tracingChannel('rt:net:connect');

/** Runs `operation` inside a trace of `channel`, with the current task's id and name in the context. */
export function traced<T>(channel: typeof acceptChannel, fields: Record<string, unknown>, operation: () => Promise<T>): Promise<T> {
  const task = tryCurrentTask();
  return channel.tracePromise(operation, { id: task?.id, name: task?.name, ...fields });
}
