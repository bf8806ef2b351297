import { pollIntervalMs } from './shared';

describe('pollIntervalMs', () => {
  it("takes the step's input, else launchpad.scaffolder.pollIntervalSeconds, else the action's default", () => {
    expect(pollIntervalMs({ pollIntervalSeconds: 1 }, 3, 10)).toBe(3_000);
    expect(pollIntervalMs({ pollIntervalSeconds: 1 }, undefined, 10)).toBe(
      1_000,
    );
    expect(pollIntervalMs({}, undefined, 10)).toBe(10_000);
  });
});
