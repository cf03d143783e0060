import { useMemo } from 'react';
import type { DoctorReport } from '../../../shared/doctor';
import { estimateCost } from './cost';
import type { Draft } from './draft';
import { fitWarning } from './fit';

/** The chosen space's size and cost as its own cost model counts them, and whether a step will fit. */
export function CostEstimate({ draft, doctor }: { draft: Draft; doctor: DoctorReport | null }) {
  const estimate = useMemo(() => estimateCost(draft), [draft]);
  if (!estimate) return null;
  const fit = fitWarning(estimate.stepBytes, doctor);
  // FLOP = 2 multiply-adds; both are shown because papers use either under the name "FLOPs".
  const gmac = estimate.multiplyAdds / 1e9;
  return (
    <>
      <p aria-label="estimate">
        ≈ {(estimate.params / 1e6).toFixed(3)} M supernet parameters · ≈ {(2 * gmac).toFixed(3)} GFLOP per{' '}
        {estimate.text ? 'token' : 'image forward'} ({gmac.toFixed(3)} G multiply-adds) ·{' '}
        {estimate.stepBytes === null
          ? 'memory known once the dataset is read'
          : `≈ ${(estimate.stepBytes / 1e9).toFixed(2)} GB per step at batch ${draft.batchSize}`}
        {estimate.assumedShape && (
          <small style={{ opacity: 0.7 }}>
            {' '}
            {estimate.text
              ? "(sizes assume PTB's 10,000-word vocabulary until the corpus is read)"
              : '(sizes assume colour images at the image size and 10 classes until the dataset is read)'}
          </small>
        )}
      </p>
      {fit && (
        <p role="alert" aria-label="fit warning">
          {fit}
        </p>
      )}
    </>
  );
}
