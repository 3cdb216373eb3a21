// OpenTelemetry inside rt tasks: the context managers of @opentelemetry/context-async-hooks
// (both of them), spans recorded by the SDK's InMemorySpanExporter.
import { context, trace } from '@opentelemetry/api';
import type { ContextManager, Span } from '@opentelemetry/api';
import { AsyncHooksContextManager, AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Builder, JoinSet, spawn, yieldNow } from '@rt/scheduler';
import type { Runtime } from '@rt/scheduler';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('rt-test');

/** The finished spans by name; each name must be unique in a test. */
function spans(): Map<string, ReadableSpan> {
  const byName = new Map<string, ReadableSpan>();
  for (const span of exporter.getFinishedSpans()) {
    expect(byName.has(span.name)).toBe(false);
    byName.set(span.name, span);
  }
  return byName;
}

/** The span id of `name`'s parent (undefined for a root span). */
function parentOf(all: Map<string, ReadableSpan>, name: string): string | undefined {
  const span = all.get(name);
  if (span === undefined) throw new Error(`no span ${name}; have ${[...all.keys()].join(', ')}`);
  return span.parentSpanContext?.spanId;
}

function idOf(all: Map<string, ReadableSpan>, name: string): string {
  return all.get(name)!.spanContext().spanId;
}

/** Starts a span named `name`, runs `fn` with it active, ends it when `fn` settles. */
async function inSpan<T>(name: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn(span);
    } finally {
      span.end();
    }
  });
}

const managers: [string, () => ContextManager][] = [
  ['AsyncLocalStorageContextManager', () => new AsyncLocalStorageContextManager()],
  ['AsyncHooksContextManager', () => new AsyncHooksContextManager()],
];

describe.each(managers)('OpenTelemetry with %s', (_label, make) => {
  let manager: ContextManager;
  let runtime: Runtime;
  beforeEach(() => {
    manager = make().enable();
    context.setGlobalContextManager(manager);
    exporter.reset();
    runtime = Builder.currentThread().name('otel').build();
  });
  afterEach(async () => {
    await runtime.shutdown();
    context.disable();
    manager.disable();
  });

  it('makes a span started in a task the parent of spans in what the task awaits', async () => {
    const leaf = async (name: string): Promise<void> => {
      await yieldNow();
      await inSpan(name, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
      });
    };
    await runtime.run(async () => {
      await inSpan('task', async () => {
        await leaf('first');
        await Promise.all([leaf('second'), leaf('third')]);
      });
    });
    const all = spans();
    expect(parentOf(all, 'task')).toBeUndefined();
    for (const name of ['first', 'second', 'third']) expect(parentOf(all, name)).toBe(idOf(all, 'task'));
  });

  it("starts a spawned task in the context active at its spawn() call (the spawner's span)", async () => {
    await runtime.run(async () => {
      await inSpan('root', async () => {
        const handles = [];
        // Two spawns in one turn under different active spans: each task gets its own parent.
        for (const name of ['a', 'b', 'c']) {
          handles.push(
            tracer.startActiveSpan(`spawner-${name}`, (span) => {
              const handle = spawn(async () => {
                await inSpan(`child-${name}`, async () => {
                  await yieldNow();
                  await inSpan(`grandchild-${name}`, async () => undefined);
                });
              });
              span.end();
              return handle;
            }),
          );
        }
        // A spawn with no extra span: the task sees the spawner's active span, 'root'.
        handles.push(spawn(async () => inSpan('child-root', async () => undefined)));
        // Outside every span (context.with the root context): a root span in the task.
        handles.push(context.with(trace.deleteSpan(context.active()), () => spawn(async () => inSpan('orphan', async () => undefined))));
        for (const handle of handles) await handle;
      });
    });
    const all = spans();
    for (const name of ['a', 'b', 'c']) {
      expect(parentOf(all, `child-${name}`)).toBe(idOf(all, `spawner-${name}`));
      expect(parentOf(all, `grandchild-${name}`)).toBe(idOf(all, `child-${name}`));
    }
    expect(parentOf(all, 'child-root')).toBe(idOf(all, 'root'));
    expect(parentOf(all, 'orphan')).toBeUndefined();
  });

  it('gives JoinSet members and tasks spawned from inside tasks their spawner’s span', async () => {
    await runtime.run(async () => {
      const set = new JoinSet<void>();
      for (const name of ['x', 'y']) {
        inSpan(`outer-${name}`, async () => {
          set.spawn(async () => {
            await yieldNow();
            await inSpan(`member-${name}`, async () => {
              await spawn(async () => inSpan(`nested-${name}`, async () => undefined));
            });
          });
        }).catch(() => undefined);
      }
      await set.joinAll();
    });
    const all = spans();
    for (const name of ['x', 'y']) {
      expect(parentOf(all, `member-${name}`)).toBe(idOf(all, `outer-${name}`));
      expect(parentOf(all, `nested-${name}`)).toBe(idOf(all, `member-${name}`));
    }
  });

  it('keeps the spawner’s context for a task started after the turn’s event interval', async () => {
    const small = Builder.currentThread().name('otel-interval').eventInterval(2).build();
    try {
      await small.run(async () => {
        const handles = [];
        for (let i = 0; i < 6; i++) {
          handles.push(tracer.startActiveSpan(`s${i}`, (span) => {
            const handle = spawn(async () => inSpan(`t${i}`, async () => undefined));
            span.end();
            return handle;
          }));
        }
        for (const handle of handles) await handle;
      });
    } finally {
      await small.shutdown();
    }
    const all = spans();
    for (let i = 0; i < 6; i++) expect(parentOf(all, `t${i}`)).toBe(idOf(all, `s${i}`));
  });
});
