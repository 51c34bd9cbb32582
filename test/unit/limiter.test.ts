import { RollingWindowLimiter } from '../../src/hubspot/limiter';
import { busiestWindow, manualClock, virtualClock } from '../support/clock';

describe('the rolling-window limiter', () => {
  it('lets 1,000 requests through at 190 per 10 s without ever exceeding 190 in a rolling window', async () => {
    const clock = virtualClock(0);
    const limiter = new RollingWindowLimiter(190, 10_000, clock);
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 1000 }, () =>
        limiter.acquire().then((release) => {
          granted.push(clock.now());
          release(); // answered at once
        }),
      ),
    );
    expect(granted).toHaveLength(1000);
    expect(busiestWindow(granted, 10_000)).toBe(190);
    // Waves of 190: grants 0-189 at t=0, 190-379 once the first wave's answers leave the window (10,001 ms), and so
    // on; the 1,000th request is in the sixth wave: 5 x 10,001 ms.
    expect(granted[189]).toBe(0);
    expect(granted[190]).toBe(10_001);
    expect(granted[999]).toBe(50_005);
  });

  it('counts a slow request from its answer: a request HubSpot received late cannot share a window with the next wave', async () => {
    const clock = manualClock(0);
    const limiter = new RollingWindowLimiter(2, 1_000, clock);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    second(); // answered at once
    const granted: number[] = [];
    const third = limiter.acquire().then((release) => {
      granted.push(clock.now());
      release();
    });
    const fourth = limiter.acquire().then((release) => {
      granted.push(clock.now());
      release();
    });
    // The first request is answered only 400 ms later: it may have reached HubSpot at 399 ms.
    await clock.advanceTo(400);
    first();
    await clock.advanceTo(5_000);
    await Promise.all([third, fourth]);
    // The second's slot frees at 1,001 ms; the first's at 1,401 ms, not at 1,001 as its sending time would say.
    expect(granted).toEqual([1_001, 1_401]);
  });

  it('serves waiting requests in the order they asked', async () => {
    const clock = virtualClock(0);
    const limiter = new RollingWindowLimiter(1, 100, clock);
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map((n) =>
        limiter.acquire().then((release) => {
          order.push(n);
          release();
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('holds every request while paused after HubSpot said the budget is spent', async () => {
    const clock = virtualClock(0);
    const limiter = new RollingWindowLimiter(100, 10_000, clock);
    (await limiter.acquire())();
    limiter.pause(2_000);
    await limiter.acquire();
    expect(clock.now()).toBe(2_000);
  });

  it('lowers its limit to what the portal reports, never raises it', async () => {
    const clock = virtualClock(0);
    const limiter = new RollingWindowLimiter(5, 1_000, clock);
    limiter.lowerLimit(10);
    limiter.lowerLimit(2);
    const granted: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const release = await limiter.acquire();
      granted.push(clock.now());
      release();
    }
    expect(granted).toEqual([0, 0, 1_001]);
  });

  it('takes its equal part of a budget several processes share, and more of it when they leave', async () => {
    const clock = manualClock(0);
    const limiter = new RollingWindowLimiter(10, 1_000, clock);
    limiter.setShare(3); // three processes: floor(10 / 3) = 3 requests per window each
    const granted: number[] = [];
    const requests = Array.from({ length: 10 }, () =>
      limiter.acquire().then((release) => {
        granted.push(clock.now());
        release();
      }),
    );
    await clock.advanceTo(500);
    expect(granted).toEqual([0, 0, 0]);
    // The other two stopped: the whole budget is this process's from the moment the first three slots free (1,001 ms).
    limiter.setShare(1);
    await clock.advanceTo(5_000);
    await Promise.all(requests);
    expect(granted).toEqual([0, 0, 0, 1_001, 1_001, 1_001, 1_001, 1_001, 1_001, 1_001]);
  });

  it('never drops below one request per window, and refuses a share that is not a whole number of processes', async () => {
    const clock = virtualClock(0);
    const limiter = new RollingWindowLimiter(4, 1_000, clock);
    limiter.setShare(9);
    expect(limiter.limit).toBe(1);
    expect(() => limiter.setShare(0)).toThrow(RangeError);
    expect(() => limiter.setShare(1.5)).toThrow(RangeError);
    expect(limiter.limit).toBe(1);
    limiter.setShare(2);
    limiter.lowerLimit(2); // the portal's budget is 2: shared by two, one each
    expect(limiter.limit).toBe(1);
  });
});
