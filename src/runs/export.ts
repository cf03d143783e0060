import { statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, type SafetensorsInput } from '../engine/nn/safetensors';
import { WEIGHTS_LAYOUT, WEIGHTS_LAYOUT_KEY } from '../engine/nn/named-weights';
import { deriveGenotype, formatReferenceGenotype, genotypeToJson } from '../engine/spaces/darts/genotype';
import type { ExportResult } from '../shared/api';
import { writeFileAtomic } from './atomic';
import { loadLatestCheckpoint } from './checkpoint-file';
import type { RunDir } from './run-dir';

/** Row-wise softmax of a [rows, cols] matrix stored flat. */
function softmaxRows(data: Float32Array, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => {
    const row = Array.from(data.subarray(r * cols, (r + 1) * cols));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

/**
 * Exports what a run has found so far from its newest checkpoint, so it works for paused, stopped and
 * finished runs alike (and never disturbs a running one):
 *   genotype.json / genotype.txt  the discrete cell, derived from α by the paper's rule
 *   supernet.safetensors          the supernet's weights and BatchNorm statistics (tfjs NHWC layout)
 *   alpha.safetensors             the architecture parameters α (normal, reduce)
 */
export function exportRun(dir: RunDir): ExportResult {
  const ck = loadLatestCheckpoint(dir.checkpointsDir);
  if (!ck) throw new Error(`run ${dir.id} has no checkpoint yet: export works once it has run a step and paused, checkpointed or finished`);
  const config = dir.readConfig();
  const { tensors } = ck.snap;
  const aN = tensors['strategy.alpha.normal'];
  const aR = tensors['strategy.alpha.reduce'];
  if (!aN || !aR) throw new Error(`the checkpoint ${ck.file} holds no architecture parameters (alpha.normal / alpha.reduce)`);
  const ops = config.space.ops;
  const genotype = deriveGenotype(
    softmaxRows(aN.data, aN.shape[0], aN.shape[1]),
    softmaxRows(aR.data, aR.shape[0], aR.shape[1]),
    ops,
    config.space.nodes,
    config.space.nodes,
  );
  const meta = { run: dir.id, step: String(ck.step), [WEIGHTS_LAYOUT_KEY]: WEIGHTS_LAYOUT };
  const network = new Map<string, SafetensorsInput>();
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith('network.')) network.set(name.slice('network.'.length), t);
  const files: Array<[string, string | Uint8Array, string]> = [
    ['genotype.json', genotypeToJson(genotype), 'the genotype (NAS Studio JSON)'],
    ['genotype.txt', `${formatReferenceGenotype(genotype)}\n`, 'the genotype in the DARTS reference code\'s notation'],
    ['supernet.safetensors', encodeSafetensors(network, meta), `supernet weights at step ${ck.step}`],
    ['alpha.safetensors', encodeSafetensors({ normal: aN, reduce: aR }, { ...meta, ops: ops.join(',') }), 'architecture parameters α'],
  ];
  for (const [name, data] of files) writeFileAtomic(join(dir.exportsDir, name), data);
  dir.log(`exported ${files.map(([n]) => n).join(', ')} from step ${ck.step}`);
  return {
    folder: dir.exportsDir,
    files: files.map(([name, , what]) => ({ name, what, bytes: statSync(join(dir.exportsDir, name)).size })),
  };
}
