import { MAX_SMOOTHING } from './curves';

/**
 * The curves' controls, for every chart of a view at once (as TensorBoard's): the smoothing weight
 * (0: raw values only) and, where a view has epochs, whether epoch means are drawn.
 */
export function CurveControls(props: {
  smoothing: number;
  onSmoothing: (w: number) => void;
  means?: boolean;
  onMeans?: (on: boolean) => void;
}) {
  return (
    <div
      aria-label="curve controls"
      style={{ display: 'flex', gap: 20, alignItems: 'center', margin: '6px 0' }}
    >
      <label title="exponential moving average as TensorBoard's (debiased); 0 shows the raw values only">
        smoothing{' '}
        <input
          type="range"
          aria-label="smoothing"
          min={0}
          max={MAX_SMOOTHING}
          step={0.01}
          value={props.smoothing}
          onChange={(e) => props.onSmoothing(Number(e.target.value))}
          style={{ verticalAlign: 'middle' }}
        />{' '}
        <output aria-label="smoothing weight" style={{ fontFamily: 'monospace' }}>
          {props.smoothing.toFixed(2)}
        </output>
      </label>
      {props.onMeans && (
        <label title="the mean of each finished epoch's steps, drawn at the epoch's last step">
          <input
            type="checkbox"
            aria-label="epoch means"
            checked={!!props.means}
            onChange={(e) => props.onMeans?.(e.target.checked)}
          />{' '}
          epoch means
        </label>
      )}
    </div>
  );
}
