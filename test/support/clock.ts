import type { Clock } from '../../src/clock';

/** A clock whose sleeps pass instantly and move time forward: waits are recorded, not waited. */
export function virtualClock(start = 1_000_000): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      // Let everything already due run at the current time before time moves on.
      await new Promise((resolve) => setImmediate(resolve));
      now += Math.max(0, ms);
    },
  };
}

/** The most grants that fell inside any window of `windowMs` (a window (t - windowMs, t] ending at each grant). */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[start] ?? 0) <= (sorted[end] ?? 0) - windowMs) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
