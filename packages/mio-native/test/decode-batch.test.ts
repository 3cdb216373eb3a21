// The batch decoder's table (pass ec26) against readyFromEpoll, bit for bit.
import { constants, readyFromEpoll } from '@rt/mio-native';
import { decodeBatch } from '../src/poll.js';

describe('decodeBatch', () => {
  it('decodes every combination of the epoll bits as readyFromEpoll does, with or without other bits', () => {
    const c = constants as unknown as Record<string, number>;
    const bits = ['EPOLLIN', 'EPOLLPRI', 'EPOLLOUT', 'EPOLLERR', 'EPOLLHUP', 'EPOLLRDHUP'].map((name) => c[name] ?? 0);
    expect(bits.every((bit) => bit !== 0)).toBe(true);
    const others = [0, 0x40, 0x100, 0x400, 0x4000_0000, 0x8000_0000];
    const inputs: number[] = [];
    for (let set = 0; set < 64; set++) {
      const events = bits.reduce((acc, bit, i) => (set & (1 << i) ? acc | bit : acc), 0);
      for (const other of others) inputs.push((events | other) >>> 0);
    }
    const batch = new Uint32Array(2 * inputs.length + 2);
    inputs.forEach((events, i) => {
      batch[2 * i] = i + 1;
      batch[2 * i + 1] = events;
    });
    batch[2 * inputs.length + 1] = 0xffff_ffff; // past count: left alone
    decodeBatch(batch, inputs.length);
    inputs.forEach((events, i) => {
      expect([batch[2 * i], batch[2 * i + 1]]).toEqual([i + 1, readyFromEpoll(events)]);
    });
    expect(batch[2 * inputs.length + 1]).toBe(0xffff_ffff);
  });
});
