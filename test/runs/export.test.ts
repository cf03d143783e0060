import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend';
import { decodeSafetensors } from '../../src/engine/nn/safetensors';
import { genotypeFromJson } from '../../src/engine/spaces/darts/genotype';
import { parseSearchConfig } from '../../src/shared/search-config';
import { RunDir } from '../../src/runs/run-dir';
import { executeRun } from '../../src/runs/execute';
import { exportRun } from '../../src/runs/export';
import { loadLatestCheckpoint } from '../../src/runs/checkpoint-file';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const config = parseSearchConfig({
  space: { cells: 2, nodes: 3, channels: 2 },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 2,
  seed: 4,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 48, imageSize: 8, channels: 3, classes: 4 } },
});

describe('exportRun', () => {
  it('refuses a run without a checkpoint, saying when export becomes possible', () => {
    const dir = RunDir.create(mkdtempSync(join(tmpdir(), 'nas-exp-')), 'fresh', config);
    expect(() => exportRun(dir)).toThrow(
      /run fresh has no checkpoint yet: export works once it has run a step/,
    );
  });

  it('exports the genotype the engine derived and the checkpoint weights and α, bit for bit', async () => {
    const dir = RunDir.create(mkdtempSync(join(tmpdir(), 'nas-exp-')), 'done', config);
    expect(await executeRun(dir, { resume: false })).toBe('completed');
    const result = exportRun(dir);
    expect(result.folder).toBe(dir.exportsDir);
    expect(result.files.map((f) => f.name)).toEqual([
      'genotype.json',
      'genotype.txt',
      'supernet.safetensors',
      'alpha.safetensors',
    ]);

    // The host-side softmax + derivation agrees with the engine's (tfjs softmax) at the last epoch.
    const lastEpoch = dir
      .readMetrics()
      .filter((r) => r.kind === 'epoch')
      .at(-1) as { genotype: { normal: unknown; reduce: unknown } };
    const exported = genotypeFromJson(readFileSync(join(dir.exportsDir, 'genotype.json'), 'utf8'));
    expect(exported.normal).toEqual(lastEpoch.genotype.normal);
    expect(exported.reduce).toEqual(lastEpoch.genotype.reduce);
    expect(readFileSync(join(dir.exportsDir, 'genotype.txt'), 'utf8')).toMatch(/^Genotype\(normal=\[/);

    const ck = loadLatestCheckpoint(dir.checkpointsDir)!;
    const weights = decodeSafetensors(readFileSync(join(dir.exportsDir, 'supernet.safetensors')));
    const networkNames = Object.keys(ck.snap.tensors).filter((n) => n.startsWith('network.'));
    expect([...weights.tensors.keys()].sort()).toEqual(
      networkNames.map((n) => n.slice('network.'.length)).sort(),
    );
    for (const n of networkNames)
      expect(weights.tensors.get(n.slice('network.'.length))!.data).toEqual(ck.snap.tensors[n].data);
    expect(weights.metadata).toMatchObject({ run: 'done', step: '4', 'nas_studio.layout': 'tfjs-nhwc' });

    const alpha = decodeSafetensors(readFileSync(join(dir.exportsDir, 'alpha.safetensors')));
    expect(alpha.tensors.get('normal')!.shape).toEqual([9, 8]);
    expect(alpha.tensors.get('normal')!.data).toEqual(ck.snap.tensors['strategy.alpha.normal'].data);
    expect(alpha.metadata.ops.split(',')).toEqual((config.space as { ops: string[] }).ops);
  });
});
