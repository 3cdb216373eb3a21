import { keepThenAlone } from '@rt/scheduler/primitives';

// Issue 16, pass pp30: `keepThenAlone` (sj29's move of JoinHandle's methods, shared by every rt
// thenable) leaves `then` alone on a class's prototype and moves the rest one prototype further.
describe('keepThenAlone', () => {
  const marker = Symbol('marker');

  class Base {
    base(): string {
      return 'base';
    }
  }

  class Thing extends Base {
    value = 2;
    get doubled(): number {
      return this.value * 2;
    }
    set doubled(v: number) {
      this.value = v / 2;
    }
    kept(): string {
      return 'kept';
    }
    twice(): number {
      return this.value * 2;
    }
    then(onFulfilled: (value: number) => unknown): void {
      onFulfilled(this.twice());
    }
  }
  (Thing.prototype as { [marker]?: boolean })[marker] = true;
  const before = new Map(Reflect.ownKeys(Thing.prototype).map((key) => [key, Object.getOwnPropertyDescriptor(Thing.prototype, key)!]));
  keepThenAlone(Thing.prototype, 'kept');

  it('leaves constructor, then and the kept keys on the prototype', () => {
    expect(Reflect.ownKeys(Thing.prototype)).toEqual(['constructor', 'kept', 'then']);
  });

  it('keeps every other property, with its descriptor, one prototype further', () => {
    const methods = Object.getPrototypeOf(Thing.prototype) as object;
    expect(Object.getPrototypeOf(methods)).toBe(Base.prototype);
    for (const [key, descriptor] of before) {
      const holder = key === 'constructor' || key === 'then' || key === 'kept' ? Thing.prototype : methods;
      expect(Object.getOwnPropertyDescriptor(holder, key)).toEqual(descriptor);
    }
  });

  it('changes nothing an instance can see', async () => {
    const thing = new Thing();
    expect(thing).toBeInstanceOf(Thing);
    expect(thing).toBeInstanceOf(Base);
    expect(Object.getPrototypeOf(thing)).toBe(Thing.prototype);
    expect(thing.base()).toBe('base');
    expect(thing.kept()).toBe('kept');
    thing.doubled = 10;
    expect(thing.doubled).toBe(10);
    expect((thing as { [marker]?: boolean })[marker]).toBe(true);
    expect(await thing).toBe(10);
  });
});
