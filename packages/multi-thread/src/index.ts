// @rt/multi-thread: rt on every core. (Guide written when the parts land.)
export {};
