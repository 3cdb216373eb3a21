// The native driver on @rt/reactor + @rt/mio-native: not wired yet (see README, "Status").
import type { Driver } from './driver.js';

export function nativeDriver(): Driver | null {
  return null;
}

export function nativeUnavailableReason(): string {
  return 'the native driver is not implemented yet';
}
