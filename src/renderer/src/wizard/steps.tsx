import { PreviewButton } from './DatasetStep';
import { FIELD_TITLES as T, type Draft } from './draft';
import { CheckboxField, NumberField, SelectField } from './fields';

type Set = (path: string, v: unknown) => void;
type Errors = Record<string, string>;

/** Step 2: how the training set is split between the weights and the architecture, and which labels are used. */
export function SplitsStep({ draft, set, errors }: { draft: Draft; set: Set; errors: Errors }) {
  const d = draft.data;
  if (d.source === 'text')
    return (
      <fieldset>
        <legend>2. Splits</legend>
        <p>
          A text corpus keeps its own splits: the train file trains the weights (search-train), the valid file
          scores candidates and rewards (search-val), the test file is never read by the search. Each is cut
          into batch-size contiguous streams, read in windows of {d.text.bptt} tokens.
        </p>
        <NumberField
          label={T.seed}
          why="fixes initialisation, sampling and dropout masks"
          value={draft.seed}
          onChange={(v) => set('seed', v)}
          error={errors.seed}
        />
        <PreviewButton draft={draft} />
      </fieldset>
    );
  return (
    <fieldset>
      <legend>2. Splits</legend>
      <NumberField
        label={T['data.trainFraction']}
        step="any"
        why="DARTS: 0.5 — half the training set trains the weights, the other half the architecture"
        value={d.trainFraction}
        onChange={(v) => set('data.trainFraction', v)}
        error={errors['data.trainFraction']}
      />
      <NumberField
        label={T['data.subset']}
        why="a stratified subset for quick searches; empty: all"
        value={d.subset}
        onChange={(v) => set('data.subset', v)}
        error={errors['data.subset']}
      />
      <NumberField
        label={T.seed}
        why="fixes data order, initialisation, sampling and augmentation"
        value={draft.seed}
        onChange={(v) => set('seed', v)}
        error={errors.seed}
      />
      <SelectField
        label={T['data.labels']}
        why="RLNAS searches with random labels to remove the dataset's bias"
        value={d.labels}
        onChange={(v) => set('data.labels', v)}
        options={[
          ['true', 'true labels'],
          ['random', 'random labels (RLNAS)'],
        ]}
      />
      <CheckboxField
        label={T['data.augment']}
        why="augments the weights' batches: random crop with padding 4 and flip (DARTS' search setting)"
        value={d.augment}
        onChange={(v) => set('data.augment', v)}
      />
      <p style={{ opacity: 0.7 }}>
        The test split is never used by the search; final training evaluates on it.
      </p>
      <PreviewButton draft={draft} />
    </fieldset>
  );
}

/** Step 5: how long and with what batches. */
export function TrainingStep({ draft, set, errors }: { draft: Draft; set: Set; errors: Errors }) {
  return (
    <fieldset>
      <legend>5. Training</legend>
      <NumberField
        label={T.epochs}
        why="DARTS paper: 50"
        value={draft.epochs}
        onChange={(v) => set('epochs', v)}
        error={errors.epochs}
      />
      <NumberField
        label={T.batchSize}
        why="DARTS paper: 64 (on a GPU); memory grows with it"
        value={draft.batchSize}
        onChange={(v) => set('batchSize', v)}
        error={errors.batchSize}
      />
      <NumberField
        label={T.stepsPerEpoch}
        why="empty: one pass over the search-train split; set it for a quick look"
        value={draft.stepsPerEpoch}
        onChange={(v) => set('stepsPerEpoch', v)}
        error={errors.stepsPerEpoch}
      />
      <SelectField
        label={T.backend}
        why="auto: tensorflow (GPU) when installed, else webgpu on a hardware GPU, else wasm, else cpu"
        value={draft.backend}
        onChange={(v) => set('backend', v)}
        options={[
          ['auto', 'auto'],
          ['tensorflow', 'tensorflow (tfjs-node-gpu)'],
          ['webgpu', 'webgpu (any GPU, through Dawn)'],
          ['wasm', 'wasm'],
          ['cpu', 'cpu (pure JavaScript)'],
        ]}
      />
    </fieldset>
  );
}
