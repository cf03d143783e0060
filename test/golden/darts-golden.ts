/**
 * The DARTS golden record: α, a checksum of every network tensor, the per-step losses and the genotype
 * after 20 steps of a tiny search (first and second order) on the cpu backend. Recorded from main
 * before the space-neutral seam (commit 7852360) by `node scripts/run-ts.mjs test/golden/darts-golden.ts --write`;
 * darts-golden.test.ts asserts that the engine still produces exactly these numbers.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '../../src/engine/tf';
import { chooseBackend } from '../../src/engine/backend';
import { parseSearchConfig } from '../../src/shared/search-config';
import { buildSearchData } from '../../src/engine/search/build-data';
import { SearchSession } from '../../src/engine/search/session';

export const GOLDEN_FILE = new URL('./darts-golden.json', import.meta.url);

export function goldenConfig(order: 'first' | 'second') {
  return parseSearchConfig({
    space: { cells: 3, nodes: 2, channels: 4 },
    strategy: { name: 'darts', order },
    data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
    epochs: 4,
    batchSize: 8,
    stepsPerEpoch: 5,
    seed: 5,
    backend: 'cpu',
  });
}

export interface GoldenRecord {
  losses: Array<{ trainLoss: number; valLoss: number }>;
  alpha: Record<string, number[]>;
  /** sha256 of every network tensor's float32 bytes, in namedState order, with its name. */
  weightsSha256: string;
  genotype: unknown;
}

/** sha256 over (name, float32 bytes) of each tensor, in the given order. */
export function tensorChecksum(named: Iterable<[string, tf.Tensor]>): string {
  const h = createHash('sha256');
  for (const [name, t] of named) {
    h.update(name);
    const d = t.dataSync() as Float32Array;
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}

export async function recordGolden(order: 'first' | 'second'): Promise<GoldenRecord> {
  const config = goldenConfig(order);
  const session = new SearchSession(config, await buildSearchData(config));
  const losses: GoldenRecord['losses'] = [];
  while (!session.done) {
    const r = session.runStep();
    losses.push({ trainLoss: r.metrics.trainLoss, valLoss: r.metrics.valLoss });
  }
  const st = session.strategy.getState();
  const alpha: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(st.tensors))
    if (k.startsWith('alpha.')) alpha[k] = Array.from(t.dataSync());
  const rec = {
    losses,
    alpha,
    weightsSha256: tensorChecksum(session.network.namedState()),
    genotype: session.strategy.derive(),
  };
  session.dispose();
  return rec;
}

if (process.argv.includes('--write')) {
  await chooseBackend({ prefer: 'cpu' });
  const out = { first: await recordGolden('first'), second: await recordGolden('second') };
  writeFileSync(GOLDEN_FILE, JSON.stringify(out, null, 1) + '\n');
  console.log('wrote', GOLDEN_FILE.pathname);
} else if (process.argv.includes('--check')) {
  const want = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8'));
  await chooseBackend({ prefer: 'cpu' });
  console.log(JSON.stringify(await recordGolden('first')) === JSON.stringify(want.first));
}
