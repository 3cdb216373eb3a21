import { compose, concurrencyLimit, loadShed, rateLimit, readiness, serve, timeout, type Handler, type ServeContext } from '@rt/http';
import { sleep } from '@rt/time';

const request = new Request('http://x/');
const ctx = { signal: new AbortController().signal, remoteAddr: undefined, taskId: 0 } as unknown as ServeContext;

describe('service layers', () => {
  it('timeout answers 504 for a slow handler and passes a fast one through', async () => {
    const slow = timeout(30)(async () => {
      await sleep(300);
      return new Response('late');
    });
    expect((await slow(request, ctx)).status).toBe(504);
    const fast = timeout(300)(() => new Response('ok'));
    expect(await (await fast(request, ctx)).text()).toBe('ok');
  });

  it('concurrencyLimit runs at most n at once, the rest in turn', async () => {
    let running = 0;
    let most = 0;
    const handler = concurrencyLimit(2)(async () => {
      most = Math.max(most, ++running);
      await sleep(20);
      running--;
      return new Response('ok');
    });
    const responses = await Promise.all(Array.from({ length: 6 }, () => handler(request, ctx)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(most).toBe(2);
  });

  it('concurrencyLimit holds from a new layer\'s first requests, before its Semaphore exists (in order, and readiness counts them)', async () => {
    // A new layer makes its Semaphore at its first request, after an await of @rt/sync's module
    // (imported when the layer wrapped the handler): the requests that come meanwhile count.
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const limited = concurrencyLimit(2)(async (r) => {
      order.push(new URL(r.url).pathname);
      most = Math.max(most, ++running);
      await sleep(10);
      running--;
      return new Response('ok');
    });
    expect(readiness(limited)).toBe(true);
    const first = limited(new Request('http://x/1'), ctx);
    expect(readiness(limited)).toBe(true);
    const rest = ['/2', '/3', '/4'].map((path) => limited(new Request(`http://x${path}`), ctx));
    expect(readiness(limited)).toBe(false);
    expect((await Promise.all([first, ...rest])).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(order).toEqual(['/1', '/2', '/3', '/4']);
    expect(most).toBe(2);
    expect(readiness(limited)).toBe(true);
  });

  it('loadShed answers 503 when the concurrency limit inside it is full', async () => {
    const handler = compose(loadShed(), concurrencyLimit(1))(async () => {
      await sleep(50);
      return new Response('ok');
    });
    const [a, b] = await Promise.all([handler(request, ctx), handler(request, ctx)]);
    expect([a.status, b.status]).toEqual([200, 503]);
    expect((await handler(request, ctx)).status).toBe(200); // free again
  });

  it('rateLimit delays requests beyond n per window, and loadShed turns them into 503', async () => {
    const handler = rateLimit(2, 150)(() => new Response('ok'));
    const started = Date.now();
    await Promise.all([handler(request, ctx), handler(request, ctx), handler(request, ctx)]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    const shed = compose(loadShed(), rateLimit(1, 10_000))(() => new Response('ok'));
    expect((await shed(request, ctx)).status).toBe(200);
    expect((await shed(request, ctx)).status).toBe(503);
  });

  it('compose applies the first layer outermost, and the stack serves over HTTP', async () => {
    const order: string[] = [];
    const tag = (name: string) => (inner: Handler): Handler => async (r, c) => {
      order.push(name);
      return inner(r, c);
    };
    const app = compose(tag('a'), tag('b'), timeout(1000), concurrencyLimit(4))(() => new Response('layered'));
    await using server = await serve({}, app);
    expect(await (await fetch(`http://${server.addr.toString()}/`)).text()).toBe('layered');
    expect(order).toEqual(['a', 'b']);
  });

  it('refuses bad arguments at once', () => {
    expect(() => timeout(-1)).toThrow(RangeError);
    expect(() => concurrencyLimit(0)).toThrow(RangeError);
    expect(() => rateLimit(1.5, 10)).toThrow(RangeError);
    expect(() => compose(1 as unknown as never)).toThrow(TypeError);
  });
});
