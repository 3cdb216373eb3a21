/** A minimal thenable over a promise: the floor of joining through any handle that is not a native promise. */
export class Thenable {
  constructor(promise) {
    this.promise = promise;
  }
  then(onfulfilled, onrejected) {
    return this.promise.then(onfulfilled, onrejected);
  }
}
