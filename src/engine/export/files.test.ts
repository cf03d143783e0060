import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { Linear } from '../nn/conv';
import { getNamedWeights } from '../nn/named-weights';
import { GENOTYPE_PRESETS } from '../spaces/darts/presets';
import { Rng } from '../util/rng';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-write';
import { loadGenotypeFile, saveGenotypeFile } from './genotype-file';
import { loadWeightsFile, saveWeightsFile } from './weights-file';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  dir = mkdtempSync(join(tmpdir(), 'nas-export-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('atomic writes', () => {
  it('creates and replaces a file, leaving no temporary files behind', async () => {
    const path = join(dir, 'a.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    await writeFileAtomic(path, 'text');
    expect(readFileSync(path, 'utf8')).toBe('text');
    writeFileAtomicSync(path, 'sync');
    expect(readFileSync(path, 'utf8')).toBe('sync');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails cleanly, keeping the old file, when the target cannot be replaced', async () => {
    await writeFileAtomic(join(dir, 'keep.txt'), 'old');
    // Renaming a file over a non-empty directory fails after the temporary file was written and synced.
    const occupied = join(dir, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'inside'), '1');
    await expect(writeFileAtomic(occupied, 'new')).rejects.toThrow();
    expect(() => writeFileAtomicSync(occupied, 'new')).toThrow();
    await expect(writeFileAtomic(join(dir, 'no-such-dir', 'f'), 'x')).rejects.toThrow(/ENOENT/);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('weights files', () => {
  it('saves and loads a module by name', async () => {
    const a = new Linear(3, 2, new Rng(1));
    const b = new Linear(3, 2, new Rng(2));
    const path = join(dir, 'w.safetensors');
    await saveWeightsFile(path, a, { note: 'x' });
    const r = await loadWeightsFile(path, b);
    expect(r.metadata.note).toBe('x');
    expect(getNamedWeights(b)).toEqual(getNamedWeights(a));
    const c = new Linear(2, 2, new Rng(3));
    await expect(loadWeightsFile(path, c)).rejects.toThrow(
      /w\.safetensors: cannot load weights.*weight is \[3,2\]/,
    );
    writeFileSync(join(dir, 'junk.safetensors'), 'junk');
    await expect(loadWeightsFile(join(dir, 'junk.safetensors'), c)).rejects.toThrow(
      /junk\.safetensors: safetensors: /,
    );
    for (const m of [a, b, c]) m.dispose();
  });
});

describe('genotype files', () => {
  it('round-trips both formats and names the file in errors', async () => {
    for (const format of ['json', 'reference'] as const) {
      const path = join(dir, `g.${format}`);
      await saveGenotypeFile(path, GENOTYPE_PRESETS.DARTS_V2, format);
      expect(await loadGenotypeFile(path)).toEqual(GENOTYPE_PRESETS.DARTS_V2);
    }
    expect(readFileSync(join(dir, 'g.reference'), 'utf8')).toMatch(
      /^Genotype\(normal=\[\('sep_conv_3x3', 0\)/,
    );
    writeFileSync(
      join(dir, 'bad.txt'),
      "Genotype(normal=[('nope', 0), ('sep_conv_3x3', 1)], normal_concat=[2], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], reduce_concat=[2])",
    );
    await expect(loadGenotypeFile(join(dir, 'bad.txt'))).rejects.toThrow(
      /bad\.txt: genotype normal cell, node 0 \(pair 0\): unknown operation 'nope'/,
    );
  });
});
