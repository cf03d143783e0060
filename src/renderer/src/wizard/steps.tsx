import { useMemo } from 'react';
import { DARTS_PRIMITIVES } from '../../../engine/spaces/darts/primitives-contract';
import { countForwardFlops } from '../../../engine/spaces/darts/flops';
import { countSupernetParams } from '../../../engine/spaces/darts/param-count';
import { estimateStepBytes } from '../../../engine/search/memory';
import type { DoctorReport } from '../../../shared/doctor';
import { SearchConfigSchema } from '../../../shared/search-config';
import { PreviewButton } from './DatasetStep';
import type { Draft } from './draft';
import { NumberField, SelectField } from './fields';
import { fitWarning } from './fit';

type Set = (path: string, v: unknown) => void;

/** Step 2: how the training set is split between weights and α, and which labels are used. */
export function SplitsStep({ draft, set }: { draft: Draft; set: Set }) {
  const d = draft.data;
  return (
    <fieldset>
      <legend>2. Splits</legend>
      <NumberField label="search-train fraction" step={0.05} why="DARTS: 0.5 — half the training set tunes the weights, the other half α" value={d.trainFraction} onChange={(v) => set('data.trainFraction', v)} />
      <NumberField label="images used" why="a stratified subset for quick searches; empty: all" value={d.subset} onChange={(v) => set('data.subset', v)} />
      <NumberField label="seed" why="fixes data order, initialisation, sampling and augmentation" value={draft.seed} onChange={(v) => set('seed', v)} />
      <SelectField
        label="labels"
        why="RLNAS searches with random labels to remove the dataset's bias"
        value={d.labels}
        onChange={(v) => set('data.labels', v)}
        options={[
          ['true', 'true labels'],
          ['random', 'random labels (RLNAS)'],
        ]}
      />
      <label style={{ display: 'block', margin: '6px 0' }}>
        <input type="checkbox" checked={d.augment} onChange={(e) => set('data.augment', e.target.checked)} /> augment the weights' batches (random crop with padding 4, flip — DARTS' search setting)
      </label>
      <p style={{ opacity: 0.7 }}>The test split is never used by the search; final training evaluates on it.</p>
      <PreviewButton draft={draft} />
    </fieldset>
  );
}

/** Image dimensions a config's dataset will have, when known before loading it. */
function dims(d: Draft['data']): { size: number; channels: number; classes: number } {
  if (d.source === 'synthetic') return { size: d.synthetic.imageSize, channels: d.synthetic.channels, classes: d.synthetic.classes };
  if (d.source === 'default') return { size: 28, channels: 1, classes: 10 };
  // Datasets on disk: assume colour images and 10 classes until the preview has read them.
  return { size: d.imageSize, channels: 3, classes: 10 };
}

/** Step 3: the DARTS cell space, with what it costs. */
export function SpaceStep({ draft, set, doctor }: { draft: Draft; set: Set; doctor: DoctorReport | null }) {
  const s = draft.space;
  const estimate = useMemo(() => {
    const parsed = SearchConfigSchema.safeParse(draft);
    if (!parsed.success || parsed.data.space.name !== 'darts') return null;
    const { size, channels, classes } = dims(parsed.data.data);
    return {
      params: countSupernetParams(parsed.data.space, channels, classes),
      gflop: countForwardFlops(parsed.data.space, size, channels, classes) / 1e9,
      // null for datasets on disk: their image size is known only once read.
      bytes: estimateStepBytes(parsed.data),
    };
  }, [draft]);
  const fit = fitWarning(estimate?.bytes ?? null, doctor);
  // Other spaces have no form yet (the wizard's space step is to be generalised); their config file sets them.
  if (s.name !== 'darts') return <fieldset><legend>3. Search space: {s.name}</legend></fieldset>;
  return (
    <fieldset>
      <legend>3. Search space: DARTS cells</legend>
      <NumberField label="cells" why="paper: 8 (reduction cells at 1/3 and 2/3 of the depth)" value={s.cells} onChange={(v) => set('space.cells', v)} />
      <NumberField label="nodes per cell" why="paper: 4" value={s.nodes} onChange={(v) => set('space.nodes', v)} />
      <NumberField label="initial channels" why="paper: 16" value={s.channels} onChange={(v) => set('space.channels', v)} />
      <div>
        candidate operations:{' '}
        {DARTS_PRIMITIVES.map((op) => (
          <label key={op} style={{ marginRight: 10 }}>
            <input type="checkbox" checked={s.ops.includes(op)} onChange={(e) => set('space.ops', e.target.checked ? [...s.ops, op] : s.ops.filter((o) => o !== op))} /> {op}
          </label>
        ))}
      </div>
      {estimate && (
        <p aria-label="estimate">
          ≈ {(estimate.params / 1e6).toFixed(3)} M supernet parameters · ≈ {estimate.gflop.toFixed(3)} GFLOP per image forward · {estimate.bytes === null ? 'memory known once the dataset is read' : `≈ ${(estimate.bytes / 1e9).toFixed(2)} GB per step at batch ${draft.batchSize}`}
        </p>
      )}
      {fit && (
        <p role="alert" aria-label="fit warning" style={{ color: '#fbbf24' }}>
          {fit}
        </p>
      )}
    </fieldset>
  );
}

/** Step 4: the strategy and its hyperparameters (DARTS paper defaults). */
export function StrategyStep({ draft, set }: { draft: Draft; set: Set }) {
  const st = draft.strategy;
  // As the space step: other strategies' fields come from their config file until the step is generated from the specs.
  if (st.name !== 'darts') return <fieldset><legend>4. Strategy: {st.name}</legend></fieldset>;
  return (
    <fieldset>
      <legend>4. Strategy: DARTS</legend>
      <SelectField
        label="DARTS order"
        value={st.order}
        onChange={(v) => set('strategy.order', v)}
        options={[
          ['first', 'first order (fast)'],
          ['second', 'second order (unrolled, the paper\'s best; about twice the cost)'],
        ]}
      />
      <NumberField label="weights learning rate" step={0.005} why="paper: 0.025, cosine-annealed to the minimum" value={st.weightLr} onChange={(v) => set('strategy.weightLr', v)} />
      <NumberField label="weights lr minimum" step={0.001} why="paper: 0.001" value={st.weightLrMin} onChange={(v) => set('strategy.weightLrMin', v)} />
      <NumberField label="weights momentum" step={0.05} why="paper: 0.9 (SGD)" value={st.weightMomentum} onChange={(v) => set('strategy.weightMomentum', v)} />
      <NumberField label="weights decay" step={0.0001} why="paper: 3e-4" value={st.weightDecay} onChange={(v) => set('strategy.weightDecay', v)} />
      <NumberField label="gradient clip" why="paper: 5 (global norm of the weights' gradient)" value={st.gradClip} onChange={(v) => set('strategy.gradClip', v)} />
      <NumberField label="α learning rate" step={0.0001} why="paper: 3e-4 (Adam, betas 0.5 / 0.999)" value={st.alphaLr} onChange={(v) => set('strategy.alphaLr', v)} />
      <NumberField label="α weight decay" step={0.001} why="paper: 1e-3" value={st.alphaWeightDecay} onChange={(v) => set('strategy.alphaWeightDecay', v)} />
    </fieldset>
  );
}

/** Step 5: how long and with what batches. */
export function TrainingStep({ draft, set }: { draft: Draft; set: Set }) {
  return (
    <fieldset>
      <legend>5. Training</legend>
      <NumberField label="epochs" why="paper: 50" value={draft.epochs} onChange={(v) => set('epochs', v)} />
      <NumberField label="batch size" why="paper: 64 (on a GPU); memory grows with it" value={draft.batchSize} onChange={(v) => set('batchSize', v)} />
      <NumberField label="steps per epoch" why="empty: one pass over the search-train split; set it for a quick look" value={draft.stepsPerEpoch} onChange={(v) => set('stepsPerEpoch', v)} />
      <SelectField
        label="backend"
        why="auto: tensorflow (GPU) when installed, else wasm, else cpu"
        value={draft.backend}
        onChange={(v) => set('backend', v)}
        options={[
          ['auto', 'auto'],
          ['tensorflow', 'tensorflow (tfjs-node-gpu)'],
          ['wasm', 'wasm'],
          ['cpu', 'cpu (pure JavaScript)'],
        ]}
      />
    </fieldset>
  );
}
