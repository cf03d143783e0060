import { describe, expect, it } from 'vitest';
import { runPassesNow, runPassesRecycling, type DevicePasses } from './device-passes';

/** Three passes that log themselves; a setImmediate queued before the run logs when the event loop turns. */
function* logged(log: string[]): DevicePasses<number> {
  log.push('pass 1');
  yield;
  log.push('pass 2');
  yield;
  log.push('pass 3');
  return 42;
}

describe('device passes', () => {
  it('runPassesNow runs every pass at once', () => {
    const log: string[] = [];
    setImmediate(() => log.push('turn'));
    expect(runPassesNow(logged(log))).toBe(42);
    expect(log).toEqual(['pass 1', 'pass 2', 'pass 3']);
  });

  it('runPassesRecycling turns the event loop between passes (webgpu), so N-API finalisers can run', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('turn'));
    expect(await runPassesRecycling(logged(log), true)).toBe(42);
    expect(log.indexOf('turn')).toBe(1);
    expect(log.filter((l) => l !== 'turn')).toEqual(['pass 1', 'pass 2', 'pass 3']);
  });

  it('runPassesRecycling without recycling (synchronous backends) awaits nothing between passes', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('turn'));
    const done = runPassesRecycling(logged(log), false);
    // Everything ran before the call returned its promise: no pause, as `step` does.
    expect(log).toEqual(['pass 1', 'pass 2', 'pass 3']);
    expect(await done).toBe(42);
  });

  it('a pass that throws runs the program’s finally blocks and rejects', async () => {
    const log: string[] = [];
    function* failing(): DevicePasses<void> {
      try {
        yield;
        throw new Error('pass 2 failed');
      } finally {
        log.push('restored');
      }
    }
    await expect(runPassesRecycling(failing(), true)).rejects.toThrow('pass 2 failed');
    expect(log).toEqual(['restored']);
  });
});
