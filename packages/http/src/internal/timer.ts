/**
 * The longest delay one Node timer takes: a longer one (Infinity too) is a TimeoutOverflowWarning
 * and 1 ms. The server's shutdown timer and the client's idle reaper cut their delays to it and
 * re-arm from there.
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;
