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
  return nativeDriver() ?? automaticFallback();
}

let warned = false;

/**
 * The fallback chosen because the addon did not load (not because the user asked for it).
 * On Linux, where the prebuilt addon should always load, the first such socket prints one
 * warning to stderr (Node's `process.emitWarning`: `--no-warnings` hides it too) with the
 * reason and the fix, unless `RT_NET_FALLBACK_WARNING=0`. `RT_NET_DRIVER=fallback` chooses
 * the fallback on purpose and never warns.
 */
function automaticFallback(): typeof fallbackDriver {
  if (!warned && process.platform === 'linux' && process.env['RT_NET_FALLBACK_WARNING'] !== '0') {
    warned = true;
    process.emitWarning(
      `@rt/net is running on its fallback driver (Node's net/dgram, slower): ${nativeUnavailableReason()}. ` +
        'On linux-x64 and linux-arm64 (glibc) the prebuilt addon ships inside @rt/mio-native: reinstall it; ' +
        'elsewhere build it from source (a C compiler, make and Python 3): ' +
        'npx node-gyp rebuild --directory node_modules/@rt/mio-native/native. Set RT_NET_DRIVER=fallback to choose the fallback, or ' +
        'RT_NET_FALLBACK_WARNING=0 to silence this warning.',
      { type: 'RtNativeUnavailableWarning', code: 'RT_NET_FALLBACK' },
    );
  }
  return fallbackDriver;
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
