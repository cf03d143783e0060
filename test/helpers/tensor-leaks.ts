import { expect } from 'vitest';
import * as tf from '../../src/engine/tf';
import type { SearchSession } from '../../src/engine/search/session';

/**
 * Asserts that `tf.memory().numTensors` is flat over `steps` steps of each of a two-phase session's
 * phases (single-path training, then scoring): one warm-up step in each, then the count must not move.
 * In the first phase a weight gets its momentum buffer the first time its path is sampled: that is
 * state, not a leak, so SGD buffers are counted apart there.
 */
export function expectFlatTensorsInBothPhases(
  s: SearchSession<unknown>,
  lastPhase: string,
  steps = 20,
): void {
  const buffers = () => Object.keys(s.strategy.getState().tensors).filter((k) => k.startsWith('sgd.')).length;
  const live = () => tf.memory().numTensors - buffers();
  s.runStep();
  let before = live();
  for (let i = 0; i < steps; i++) s.runStep();
  expect(live()).toBe(before);
  expect(buffers()).toBeGreaterThan(0);
  const first = s.info().phaseIndex;
  while (s.info().phaseIndex === first) s.runStep();
  s.runStep();
  before = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) s.runStep();
  expect(tf.memory().numTensors).toBe(before);
  expect(s.info().phase).toBe(lastPhase);
}
