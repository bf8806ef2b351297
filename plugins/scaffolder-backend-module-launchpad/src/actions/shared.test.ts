import { formatDuration, pollIntervalMs } from './shared';

describe('pollIntervalMs', () => {
  it("takes the step's input, else launchpad.scaffolder.pollIntervalSeconds, else the action's default", () => {
    expect(pollIntervalMs({ pollIntervalSeconds: 1 }, 3, 10)).toBe(3_000);
    expect(pollIntervalMs({ pollIntervalSeconds: 1 }, undefined, 10)).toBe(
      1_000,
    );
    expect(pollIntervalMs({}, undefined, 10)).toBe(10_000);
  });
});

describe('formatDuration', () => {
  it('says minutes, or seconds and milliseconds under a minute (never 0 min)', () => {
    expect(formatDuration(30 * 60_000)).toBe('30 min');
    expect(formatDuration(90_000)).toBe('2 min');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(60)).toBe('60 ms');
  });
});
