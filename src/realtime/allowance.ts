/**
 * Amounts held per key against a limit, on this instance: websockets per
 * client address and per session, subscription cost per actor. What is taken
 * is given back by calling the function `take` returned (once; more calls do
 * nothing), when the socket closes or the subscription ends.
 */
export class Allowance {
  private readonly held = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Holds `amount` more for `key` if that stays within the limit, and returns how to give it back; null when it would not. */
  take(key: string, amount = 1): (() => void) | null {
    const current = this.heldBy(key);
    if (current + amount > this.limit) return null;
    this.held.set(key, current + amount);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = this.heldBy(key) - amount;
      if (left > 0) this.held.set(key, left);
      else this.held.delete(key);
    };
  }

  heldBy(key: string): number {
    return this.held.get(key) ?? 0;
  }
}
