/**
 * When to try a failed delivery again: about 10 s after the first failure, then doubling, each
 * with ±20 % jitter so a receiver coming back is not hit by every retry at once, capped at an
 * hour between tries. null once the next try would fall past the retry window (then `failed`).
 */
export function nextAttemptAt(input: {
  /** Tries made so far, this one included (1 after the first). */
  attempts: number;
  firstAttemptAt: Date;
  now: Date;
  retryHours: number;
  random?: () => number;
}): Date | null {
  const base = Math.min(10_000 * 2 ** Math.max(0, input.attempts - 1), 3_600_000);
  const jitter = 1 + ((input.random ?? Math.random)() * 0.4 - 0.2);
  const at = new Date(input.now.getTime() + Math.round(base * jitter));
  const deadline = input.firstAttemptAt.getTime() + input.retryHours * 3_600_000;
  return at.getTime() > deadline ? null : at;
}

/** An endpoint failing without a single success for this long is disabled. */
export function shouldDisable(failingSince: Date | null, now: Date, disableAfterDays: number): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= disableAfterDays * 86_400_000;
}
