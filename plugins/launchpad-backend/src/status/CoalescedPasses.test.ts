import { CoalescedPasses } from './CoalescedPasses';

describe('CoalescedPasses', () => {
  it('gathers a burst of hits into one pass per key', async () => {
    const seen: string[] = [];
    const passes = new CoalescedPasses(20, async key => {
      seen.push(key);
    });
    for (let i = 0; i < 5; i++) passes.schedule('staging');
    passes.schedule('production');
    await new Promise(resolve => setTimeout(resolve, 80));
    expect(seen.sort()).toEqual(['production', 'staging']);
    await passes.stop();
  });

  it('never runs two passes of one key at once, and a failing pass does not block the next', async () => {
    let active = 0;
    let most = 0;
    let calls = 0;
    const passes = new CoalescedPasses(1_000, async () => {
      calls += 1;
      active += 1;
      most = Math.max(most, active);
      await new Promise(resolve => setTimeout(resolve, 10));
      active -= 1;
      if (calls === 1) throw new Error('first pass fails');
    });
    const first = passes.run('staging');
    const second = passes.run('staging');
    await expect(first).rejects.toThrow('first pass fails');
    await second;
    expect(calls).toBe(2);
    expect(most).toBe(1);
    await passes.stop();
  });

  it('flush runs what is scheduled now; stop drops it', async () => {
    const seen: string[] = [];
    const passes = new CoalescedPasses(60_000, async key => {
      seen.push(key);
    });
    passes.schedule('staging');
    await passes.flush();
    expect(seen).toEqual(['staging']);
    passes.schedule('production');
    await passes.stop();
    passes.schedule('production');
    await passes.flush();
    expect(seen).toEqual(['staging']);
  });
});
