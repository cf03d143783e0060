import { beforeAll } from 'vitest';
import { chooseBackend } from '../../src/engine/backend';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { buildSearchData } from '../../src/engine/search/build-data';
import { SearchSession } from '../../src/engine/search/session';
import type { CandidateScore, StepContext, StepInfo } from '../../src/engine/search/strategy';
import type { Rng } from '../../src/engine/util/rng';

/** Runs this test file on the cpu backend, the one on which a run repeats bit for bit. */
export function onCpuBackend(): void {
  beforeAll(async () => {
    await chooseBackend({ prefer: 'cpu' });
  });
}

/** 64 synthetic 8×8 RGB images of 4 classes: data for a run of a few steps. */
export const TINY_IMAGES = {
  source: 'synthetic',
  synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 },
} satisfies SearchConfigInput['data'];

/** The smallest DARTS and NB201 supernets, for strategies that run on both. */
export const TINY_SPACES = [
  { name: 'darts', cells: 2, nodes: 2, channels: 2 },
  { name: 'nb201', channels: 2, cellsPerStage: 1 },
] as unknown as Array<{ name: string } & SearchConfigInput['space']>;

/** A run of 2 epochs × 3 steps of 8 images of TINY_IMAGES on the cpu, seed 4; a test adds the space and strategy. */
export const TINY_RUN: SearchConfigInput = {
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 4,
  backend: 'cpu',
  data: TINY_IMAGES,
};

/** A search session of `input`, its data built (no run folder). */
export async function searchSession(input: SearchConfigInput): Promise<SearchSession<unknown>> {
  const config = parseSearchConfig(input);
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

/** Runs a session to its end; returns every candidate it scored, in order. */
export function runToEnd(s: SearchSession<unknown>): CandidateScore[] {
  const out: CandidateScore[] = [];
  while (!s.done) out.push(...(s.runStep().candidates ?? []));
  return out;
}

/** A step's context for a strategy driven by a scripted scorer: it must ask for no batch. */
export function noBatchContext(info: StepInfo, rng: Rng): StepContext {
  return {
    info,
    rng,
    train: () => {
      throw new Error('no batches');
    },
    val: () => {
      throw new Error('no batches');
    },
  };
}
