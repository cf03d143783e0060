import { describe, expect, it } from 'vitest';
import { dartsSpec } from '../../../engine/strategies/darts-spec';
import { metricGroups } from './metric-groups';

const pts = (): Array<[number, number]> => [[1, 1]];

describe('metric charts', () => {
  it("groups the strategy's declared metrics by chart, and the rest under 'other metrics'", () => {
    const series = {
      trainLoss: pts(),
      valLoss: pts(),
      trainAcc: pts(),
      lrWeights: pts(),
      gradNorm: pts(),
      lrAlpha: pts(),
      zeta: pts(),
    };
    const groups = metricGroups(dartsSpec.metrics, series);
    expect(groups.map((g) => [g.chart, g.title, g.log, g.lines.map((l) => l.key)])).toEqual([
      ['loss', 'loss', false, ['trainLoss', 'valLoss']],
      ['accuracy', 'accuracy', false, ['trainAcc']],
      ['lr', 'learning rate', true, ['lrWeights', 'lrAlpha']],
      // A strategy's own chart with one metric takes that metric's title.
      ['gradNorm', 'gradient norm', false, ['gradNorm']],
      ['other', 'other metrics', false, ['zeta']],
    ]);
    expect(groups[0].lines[1].title).toBe('validation loss');
  });
  it('leaves out groups without data, and charts everything as other when nothing is declared', () => {
    expect(metricGroups(dartsSpec.metrics, { valAcc: pts() }).map((g) => g.chart)).toEqual(['accuracy']);
    expect(metricGroups([], { b: pts(), a: pts() })).toEqual([
      {
        chart: 'other',
        title: 'other metrics',
        log: false,
        lines: [
          { key: 'a', title: 'a' },
          { key: 'b', title: 'b' },
        ],
      },
    ]);
  });
});
