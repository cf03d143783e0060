import { useMemo, useState } from 'react';
import { SearchConfigSchema, describeConfigError, type SearchConfigInput } from '../../shared/search-config';
import { DARTS_PRIMITIVES } from '../../engine/spaces/darts/primitives-contract';
import { countForwardFlops } from '../../engine/spaces/darts/flops';
import { estimateStepBytes } from '../../engine/search/memory';
import { api } from './api';

/** One field of the form, with the paper's default shown and a short why. */
function Field(props: { label: string; why: string; value: number; onChange: (v: number) => void; step?: number }) {
  return (
    <label style={{ display: 'block', margin: '6px 0' }}>
      {props.label}{' '}
      <input type="number" step={props.step ?? 1} value={props.value} onChange={(e) => props.onChange(Number(e.target.value))} style={{ width: 90 }} />{' '}
      <small style={{ opacity: 0.7 }}>{props.why}</small>
    </label>
  );
}

/**
 * The search wizard (first version): data, search space, strategy and training settings on one
 * form, validated as you type by the same schema the engine uses, with cost estimates, then Start.
 */
export function Wizard({ onStarted }: { onStarted: (id: string) => void }) {
  const [source, setSource] = useState<'default' | 'synthetic'>('default');
  const [subset, setSubset] = useState(1000);
  const [cells, setCells] = useState(5);
  const [nodes, setNodes] = useState(4);
  const [channels, setChannels] = useState(8);
  const [ops, setOps] = useState<string[]>([...DARTS_PRIMITIVES]);
  const [order, setOrder] = useState<'first' | 'second'>('first');
  const [epochs, setEpochs] = useState(5);
  const [batchSize, setBatchSize] = useState(16);
  const [seed, setSeed] = useState(2);
  const [startError, setStartError] = useState<string | null>(null);

  const input: SearchConfigInput = {
    space: { cells, nodes, channels, ops: ops as Array<(typeof DARTS_PRIMITIVES)[number]> },
    strategy: { name: 'darts', order },
    epochs,
    batchSize,
    seed,
    data: source === 'default' ? { source, subset } : { source, synthetic: { size: subset, imageSize: 16, channels: 3, classes: 10 } },
  };
  const parsed = SearchConfigSchema.safeParse(input);
  const estimate = useMemo(() => {
    if (!parsed.success) return null;
    const [size, ch] = source === 'default' ? [28, 1] : [16, 3];
    return { gflop: countForwardFlops(parsed.data.space, size, ch, 10) / 1e9, gb: (estimateStepBytes(parsed.data) ?? 0) / 1e9 };
  }, [parsed, source]);

  return (
    <section aria-label="new search" style={{ border: '1px solid #334', padding: 12, margin: '12px 0' }}>
      <h2>New search</h2>
      <fieldset>
        <legend>1. Dataset and splits</legend>
        <label>
          source{' '}
          <select aria-label="dataset source" value={source} onChange={(e) => setSource(e.target.value as 'default' | 'synthetic')}>
            <option value="default">bundled Fashion-MNIST subset (no download)</option>
            <option value="synthetic">synthetic (smoke test)</option>
          </select>
        </label>
        <Field label="images used" why="a stratified subset for quick searches; half tunes weights, half α (DARTS)" value={subset} onChange={setSubset} />
        <Field label="seed" why="fixes data order, initialisation and sampling" value={seed} onChange={setSeed} />
      </fieldset>
      <fieldset>
        <legend>2. Search space: DARTS cells</legend>
        <Field label="cells" why="paper: 8 (reductions at 1/3 and 2/3)" value={cells} onChange={setCells} />
        <Field label="nodes per cell" why="paper: 4" value={nodes} onChange={setNodes} />
        <Field label="initial channels" why="paper: 16" value={channels} onChange={setChannels} />
        <div>
          {DARTS_PRIMITIVES.map((op) => (
            <label key={op} style={{ marginRight: 10 }}>
              <input type="checkbox" checked={ops.includes(op)} onChange={(e) => setOps(e.target.checked ? [...ops, op] : ops.filter((o) => o !== op))} /> {op}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>3. Strategy and training</legend>
        <label>
          DARTS order{' '}
          <select aria-label="DARTS order" value={order} onChange={(e) => setOrder(e.target.value as 'first' | 'second')}>
            <option value="first">first order (fast)</option>
            <option value="second">second order (unrolled, paper's best)</option>
          </select>
        </label>
        <Field label="epochs" why="paper: 50" value={epochs} onChange={setEpochs} />
        <Field label="batch size" why="paper: 64 (on a GPU)" value={batchSize} onChange={setBatchSize} />
      </fieldset>
      {parsed.success ? (
        <p aria-label="estimate">
          ≈ {estimate?.gflop.toFixed(3)} GFLOP per image forward · ≈ {estimate?.gb.toFixed(2)} GB per step
          {estimate && estimate.gb > 3.5 ? ' — too large for the wasm backend; it will run on cpu or a GPU' : ''}
        </p>
      ) : (
        <p role="alert" aria-label="config errors" style={{ whiteSpace: 'pre-line', color: '#f87171' }}>
          {describeConfigError(parsed.error)}
        </p>
      )}
      {startError && <p role="alert">{startError}</p>}
      <button
        disabled={!parsed.success}
        onClick={() =>
          api()
            .startRun(input)
            .then((id) => {
              setStartError(null);
              onStarted(id);
            })
            .catch((e: Error) => setStartError(e.message))
        }
      >
        Start search
      </button>
    </section>
  );
}
