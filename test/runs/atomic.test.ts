import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/runs/atomic';

describe('writeFileAtomic (run files)', () => {
  it('an unwritable folder gives a clear error and keeps the previous file intact', () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits; use a missing folder instead, which fails the same way.
      expect(() => writeFileAtomic(join(tmpdir(), 'no-such-dir-nas', 'status.json'), '{}')).toThrow(
        /Could not write .*status\.json: the folder does not exist/,
      );
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'nas-ro-'));
    const file = join(dir, 'status.json');
    writeFileSync(file, 'old');
    chmodSync(dir, 0o500);
    try {
      expect(() => writeFileAtomic(file, 'new')).toThrow(/Could not write .*status\.json: permission denied/);
      expect(readFileSync(file, 'utf8')).toBe('old');
      expect(readdirSync(dir)).toEqual(['status.json']);
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});
