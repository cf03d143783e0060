/**
 * `npm run bench -- --train [--configs darts-v2,cpu] [--batch N] [--steps N] [--warmup N] [--backend NAME] [--out FILE]`
 *
 * Seconds per training step of a found architecture (engine/train/session.ts: forward with the
 * auxiliary head, backward, SGD) for the DARTS_V2 evaluation network: 'darts-v2' is the paper's
 * recipe (C=36, 20 cells, auxiliary head, batch 96, cutout 16), 'cpu' the CPU preset (C=16, 8 cells,
 * batch 64, no auxiliary head), both on synthetic 32×32×3 images with 10 classes. Reports the median
 * over timed steps after warm-up, the process's peak RSS, and the peak of tfjs's tensor bytes over one
 * extra, untimed step. Timed steps are within the first epoch, where the drop-path ramp p·e/E is still
 * 0 (its masks cost a multiply per op, nothing next to the convolutions). `--batch` overrides the
 * configs' batch size (the paper's batch 96 needs more than the wasm backend's 4 GiB heap).
 */
import { writeFileSync } from 'node:fs';
import { chooseBackend } from '../src/engine/backend';
import { spaceOf } from '../src/engine/catalog';
import { SpaceSchema } from '../src/engine/search/config';
import { GENOTYPE_PRESETS } from '../src/engine/spaces/darts/presets';
import { TrainSession, finalParameterCount } from '../src/engine/train/session';
import { parseTrainConfig } from '../src/engine/train/train-config';
import { buildTrainData } from '../src/engine/train/train-data';
import { peakTensorBytes } from '../src/engine/util/tensor-watch';
import { arg } from './darts-setup';

const TRAIN_CONFIGS = {
  'darts-v2': { preset: 'darts', network: { channels: 36, layers: 20, auxiliary: true }, batch: 96 },
  cpu: { preset: 'cpu', network: { channels: 16, layers: 8, auxiliary: false }, batch: 64 },
} as const;
type TrainConfigName = keyof typeof TRAIN_CONFIGS;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function trainBench(): Promise<void> {
  const backend = await chooseBackend({
    prefer: arg('backend', '') ? (arg('backend', '') as never) : undefined,
  });
  const names = arg('configs', 'darts-v2,cpu').split(',') as TrainConfigName[];
  const steps = Number(arg('steps', '3'));
  const warmup = Number(arg('warmup', '1'));
  const json = spaceOf(SpaceSchema.parse({ name: 'darts' })).toJson(GENOTYPE_PRESETS.DARTS_V2);
  const rows = [];
  for (const name of names) {
    const preset = TRAIN_CONFIGS[name];
    if (!preset)
      throw new Error(
        `--configs: unknown training bench config '${name}' (known: ${Object.keys(TRAIN_CONFIGS).join(', ')})`,
      );
    const c = { ...preset, batch: Number(arg('batch', String(preset.batch))) };
    const config = parseTrainConfig({
      kind: 'train',
      architecture: { json },
      network: c.network,
      recipe: { preset: c.preset, batchSize: c.batch, epochs: 600 },
      data: {
        source: 'synthetic',
        synthetic: { size: c.batch * (steps + warmup + 2), imageSize: 32, channels: 3, classes: 10 },
      },
    });
    const session = new TrainSession(config, await buildTrainData(config));
    for (let i = 0; i < warmup; i++) session.runStep();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      session.runStep();
      times.push((performance.now() - t0) / 1000);
    }
    const peak = peakTensorBytes(() => session.runStep());
    const row = {
      config: name,
      backend: backend.chosen,
      batch: c.batch,
      params: finalParameterCount(session.network),
      secondsPerStep: median(times),
      imagesPerSecond: c.batch / median(times),
      peakTensorMiB: peak / 2 ** 20,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
    rows.push(row);
    console.log(
      `${name}: ${row.params} params · batch ${c.batch} · ${row.secondsPerStep.toFixed(3)} s/step (${row.imagesPerSecond.toFixed(1)} img/s) · peak tensors ${row.peakTensorMiB.toFixed(0)} MiB · max RSS ${row.maxRssMiB.toFixed(0)} MiB · ${backend.chosen}`,
    );
    session.dispose();
  }
  const out = arg('out', '');
  if (out) writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
}
