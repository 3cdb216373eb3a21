// The supervisor half of the 'rt.listen' service (first version: wiring only; the
// hand-off accept loop and the shared port table follow).
import type { MultiThreadConfig, SupervisorService } from '../internal/contract.js';

/** The service name the listener halves talk under. */
export const LISTEN_SERVICE = 'rt.listen';

/** @internal Creates the main-thread half of the shared-listener service. */
export function createListenService(config: MultiThreadConfig): SupervisorService {
  void config;
  return { name: LISTEN_SERVICE };
}
