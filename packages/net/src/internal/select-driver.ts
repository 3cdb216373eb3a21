// Which driver new sockets use: RT_NET_DRIVER=fallback|native forces one; otherwise the
// native driver when @rt/mio-native loaded and the reactor works, else the fallback. The
// variable is read when a socket is created (a listener's accepted streams use its driver),
// so a test can switch drivers between cases.
import type { Driver, DriverName } from './driver.js';
import { fallbackDriver } from './fallback-driver.js';
import { nativeDriver, nativeUnavailableReason } from './native-driver.js';

export function driverFor(forced: DriverName | undefined): Driver {
  const wanted = forced ?? readEnvironment();
  if (wanted === 'fallback') return fallbackDriver;
  if (wanted === 'native') {
    const native = nativeDriver();
    if (native === null) throw new Error(`RT_NET_DRIVER=native, but the native driver is not available: ${nativeUnavailableReason()}`);
    return native;
  }
  return nativeDriver() ?? fallbackDriver;
}

function readEnvironment(): DriverName | undefined {
  const value = process.env['RT_NET_DRIVER'];
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if (value === 'fallback' || value === 'native') return value;
  throw new TypeError(`RT_NET_DRIVER must be 'fallback', 'native' or 'auto', got ${JSON.stringify(value)}`);
}

export function defaultDriverName(): DriverName {
  return driverFor(undefined).name;
}
