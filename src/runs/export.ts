import { statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, type SafetensorsInput } from '../engine/nn/safetensors';
import { WEIGHTS_LAYOUT, WEIGHTS_LAYOUT_KEY } from '../engine/nn/named-weights';
import { spaceOf } from '../engine/catalog';
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

const ALPHA_PREFIX = 'strategy.alpha.';

/**
 * Exports what a run has found so far from its newest checkpoint, so it works for paused, stopped and
 * finished runs alike (and never disturbs a running one), whatever its space and strategy:
 *   genotype.json / genotype.txt  the architecture the strategy returns (the space's JSON file and its text notation)
 *   supernet.safetensors          the supernet's weights and BatchNorm statistics (tfjs NHWC layout)
 *   alpha.safetensors             the architecture parameters α per label, for strategies that have them
 */
export function exportRun(dir: RunDir): ExportResult {
  const ck = loadLatestCheckpoint(dir.checkpointsDir);
  if (!ck)
    throw new Error(
      `run ${dir.id} has no checkpoint yet: export works once it has run a step and paused, checkpointed or finished`,
    );
  const config = dir.readSearchConfig();
  const space = spaceOf(config.space);
  const { tensors } = ck.snap;
  const alphas = Object.entries(tensors).filter(([name]) => name.startsWith(ALPHA_PREFIX));
  let genotype = ck.snap.meta.genotype;
  if (genotype === undefined) {
    // Checkpoints written before the space contract came from DARTS, whose architecture is softmax(α) derived.
    if (config.strategy.name !== 'darts' || alphas.length === 0)
      throw new Error(
        `the checkpoint ${ck.file} records no architecture: resume the run for a step, then export again`,
      );
    genotype = space.derive(
      Object.fromEntries(
        alphas.map(([n, t]) => [n.slice(ALPHA_PREFIX.length), softmaxRows(t.data, t.shape[0], t.shape[1])]),
      ),
    );
  }
  const meta = { run: dir.id, step: String(ck.step), [WEIGHTS_LAYOUT_KEY]: WEIGHTS_LAYOUT };
  const network = new Map<string, SafetensorsInput>();
  for (const [name, t] of Object.entries(tensors))
    if (name.startsWith('network.')) network.set(name.slice('network.'.length), t);
  const files: Array<[string, string | Uint8Array, string]> = [
    [
      'genotype.json',
      `${JSON.stringify(space.toJson(genotype), null, 2)}\n`,
      `the architecture (${space.name} space, NAS Studio JSON)`,
    ],
    ['genotype.txt', `${space.toText(genotype)}\n`, "the architecture in the field's text notation"],
    ['supernet.safetensors', encodeSafetensors(network, meta), `supernet weights at step ${ck.step}`],
  ];
  if (alphas.length) {
    const ops = space.choicePoints[0]?.options ?? [];
    const alpha = new Map(alphas.map(([n, t]) => [n.slice(ALPHA_PREFIX.length), t]));
    files.push([
      'alpha.safetensors',
      encodeSafetensors(alpha, { ...meta, ops: ops.join(',') }),
      'architecture parameters α',
    ]);
  }
  for (const [name, data] of files) writeFileAtomic(join(dir.exportsDir, name), data);
  dir.log(`exported ${files.map(([n]) => n).join(', ')} from step ${ck.step}`);
  return {
    folder: dir.exportsDir,
    files: files.map(([name, , what]) => ({ name, what, bytes: statSync(join(dir.exportsDir, name)).size })),
  };
}
