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

/** A clock that moves only when told: sleeps wake in time order as `advanceTo` passes their moment. */
export function manualClock(start = 0): Clock & { advanceTo(at: number): Promise<void> } {
  let now = start;
  const timers: Array<{ at: number; wake: () => void }> = [];
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => timers.push({ at: now + Math.max(0, ms), wake })),
    advanceTo: async (at: number) => {
      await settle();
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > at) break;
        timers.shift();
        now = next.at;
        next.wake();
        await settle();
      }
      now = at;
      await settle();
    },
  };
}
