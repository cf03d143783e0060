import { appendFileSync } from 'node:fs';
import { RunDir } from '../../src/runs/run-dir';
import { parseSearchConfig } from '../../src/shared/search-config';
import { Rng } from '../../src/engine/util/rng';
import { deriveGenotype } from '../../src/engine/spaces/darts/genotype';
import { DARTS_PRIMITIVES } from '../../src/engine/spaces/darts/primitives-contract';

/** softmax rows of random logits that sharpen with `t` in [0, 1], as a search would. */
function rows(rng: Rng, n: number, k: number, t: number): number[][] {
  return Array.from({ length: n }, () => {
    const logits = Array.from({ length: k }, () => rng.normal() * (0.05 + 3 * t));
    const e = logits.map((v) => Math.exp(v));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

/**
 * A completed run folder as the engine would leave it after `steps` steps over `epochs` epochs,
 * written directly (no search): to test that long runs' dashboards open from disk.
 */
export function writeFinishedRun(root: string, id: string, steps: number, epochs: number): string {
  const config = parseSearchConfig({ epochs, stepsPerEpoch: Math.ceil(steps / epochs), data: { source: 'synthetic' } });
  const dir = RunDir.create(root, id, config);
  const rng = new Rng(steps);
  const perEpoch = Math.ceil(steps / epochs);
  const ops = [...DARTS_PRIMITIVES];
  let lines: string[] = [];
  for (let s = 0; s < steps; s++) {
    const epoch = Math.floor(s / perEpoch);
    const loss = 2.3 * Math.exp(-s / (steps / 3)) + 0.1 * rng.uniform();
    lines.push(JSON.stringify({ kind: 'step', step: s, epoch, seconds: 0.5, trainLoss: loss, trainAcc: 1 - loss / 2.5, valLoss: loss * 1.1, valAcc: 1 - loss / 2.3, lrWeights: 0.025, lrAlpha: 3e-4 }));
    if ((s + 1) % perEpoch === 0 || s === steps - 1) {
      const t = (epoch + 1) / epochs;
      const normal = rows(rng, 14, ops.length, t);
      const reduce = rows(rng, 14, ops.length, t);
      const genotype = deriveGenotype(normal, reduce, ops);
      lines.push(JSON.stringify({ kind: 'epoch', step: s, epoch, valAcc: 0.5 + 0.4 * t, arch: { ops, normal, reduce, kind: 'softmax' }, genotype }));
    }
    if (lines.length >= 5000) {
      appendFileSync(dir.metricsPath, lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length) appendFileSync(dir.metricsPath, lines.join('\n') + '\n');
  dir.transition('running', { totalSteps: steps });
  dir.transition('completed', { step: steps, bestValAcc: 0.9, elapsedSeconds: steps * 0.5 });
  return id;
}
