// What a codec does while skipping the rest of an over-long line or chunk: drop through the
// delimiter at `found` (true), or, when it has not arrived, drop everything (false).
export function skipThrough(src: { advance(n: number): void; clear(): void }, found: number): boolean {
  if (found < 0) {
    src.clear();
    return false;
  }
  src.advance(found + 1);
  return true;
}
