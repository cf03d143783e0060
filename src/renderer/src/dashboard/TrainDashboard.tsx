import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ExportResult, RunSummary } from '../../../shared/api';
import type { TrainConfig } from '../../../shared/run-config';
import { SeriesChart } from '../charts/SeriesChart';
import { api } from '../api';
import { ProgressLine } from './ProgressLine';
import type { LiveProgress } from './run-data';
import { parseTrainLog, rowFractions, type TrainLog } from './train-log';
import { TryItPanel } from './TryItPanel';
import { formatCount } from '../../../shared/format-count';

const EMPTY: TrainLog = {
  steps: { loss: [], acc: [], lr: [], perplexity: [] },
  epochs: [],
  lmEpochs: [],
  lmFinal: null,
  final: null,
};

/** The log, re-read when an epoch ends and when the run changes state; the last progress event for the ETA. */
function useTrainLog(run: RunSummary) {
  const [log, setLog] = useState<TrainLog>(EMPTY);
  const [last, setLast] = useState<LiveProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    api()
      .runMetrics(run.id)
      .then((r) => setLog(parseTrainLog(r)))
      .catch((e: Error) => setError(e.message));
  }, [run.id]);
  useEffect(reload, [reload, run.status]);
  useEffect(() => {
    let steps = 0;
    return api().on('progress', (p) => {
      if (p.id !== run.id) return;
      setLast(p);
      // Step curves from the first event, then every 10 steps and at each epoch end (a long run re-reads its log rarely).
      if (p.epochEnded || steps++ % 10 === 0) reload();
    });
  }, [run.id, reload]);
  return { log, last, error };
}

/** The confusion matrix as a heatmap: row = true class, column = predicted, shade = fraction of the row. */
function ConfusionHeatmap({ final }: { final: NonNullable<TrainLog['final']> }) {
  const frac = rowFractions(final.confusion);
  const cell = { width: 34, height: 26, textAlign: 'center' as const, fontSize: 11 };
  return (
    <table aria-label="confusion matrix" style={{ borderCollapse: 'collapse', fontSize: 12 }}>
      <thead>
        <tr>
          <th style={{ textAlign: 'right', paddingRight: 6 }}>true ↓ / predicted →</th>
          {final.classNames.map((_, k) => (
            <th key={k} title={final.classNames[k]} style={cell}>
              {k}
            </th>
          ))}
          <th style={{ paddingLeft: 8, textAlign: 'left' }}>class accuracy</th>
        </tr>
      </thead>
      <tbody>
        {final.confusion.map((row, i) => (
          <tr key={i}>
            <th style={{ textAlign: 'right', paddingRight: 6, fontWeight: 'normal' }}>
              {i} {final.classNames[i]}
            </th>
            {row.map((v, j) => (
              <td
                key={j}
                title={`${final.classNames[i]} → ${final.classNames[j]}: ${v}`}
                style={{
                  ...cell,
                  background: `rgba(${i === j ? '74, 222, 128' : '248, 113, 113'}, ${0.08 + 0.92 * frac[i][j]})`,
                  color: frac[i][j] > 0.5 ? '#10141b' : undefined,
                }}
              >
                {v}
              </td>
            ))}
            <td style={{ paddingLeft: 8 }}>
              <span
                style={{
                  display: 'inline-block',
                  width: 120 * (final.perClassAcc[i] ?? 0),
                  height: 10,
                  background: '#60a5fa',
                  marginRight: 6,
                }}
              />
              {((final.perClassAcc[i] ?? 0) * 100).toFixed(1)}%
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * One training run, live: progress and ETA, controls, loss and accuracy curves (training steps,
 * and train and test per epoch), and at the end the confusion matrix and per-class accuracy.
 */
export function TrainDashboard({ run, onChanged }: { run: RunSummary; onChanged: () => void }) {
  const { log, last, error } = useTrainLog(run);
  const [config, setConfig] = useState<TrainConfig | null>(null);
  const [exported, setExported] = useState<ExportResult | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  useEffect(() => {
    api()
      .runConfig(run.id)
      .then((c) => setConfig(c.kind === 'train' ? c : null))
      .catch(() => setConfig(null));
  }, [run.id]);
  const act = (f: () => Promise<unknown>) =>
    f()
      .then(() => {
        setActionError(null);
        onChanged();
      })
      .catch((e: Error) => setActionError(e.message));
  const charts = useMemo(() => {
    const ep = (k: 'trainLoss' | 'testLoss' | 'trainAcc' | 'testAcc') =>
      log.epochs.map((e) => [e.x, e[k]] as [number, number]);
    if (log.lmEpochs.length || log.steps.perplexity.length) {
      // A language model (enas-rnn): perplexity where an image classifier has accuracy.
      const lm = (k: 'trainLoss' | 'testLoss' | 'trainPerplexity' | 'valPerplexity' | 'testPerplexity') =>
        log.lmEpochs.map((e) => [e.x, e[k]] as [number, number]);
      return {
        loss: [
          { name: 'training loss (step)', points: log.steps.loss },
          { name: 'train loss (epoch)', points: lm('trainLoss') },
          { name: 'test loss (epoch)', points: lm('testLoss') },
        ],
        acc: [
          { name: 'training perplexity (step)', points: log.steps.perplexity },
          { name: 'train perplexity (epoch)', points: lm('trainPerplexity') },
          { name: 'validation perplexity (epoch)', points: lm('valPerplexity') },
          { name: 'test perplexity (epoch)', points: lm('testPerplexity') },
        ],
        lm: true,
      };
    }
    return {
      loss: [
        { name: 'training loss (step)', points: log.steps.loss },
        { name: 'train loss (epoch)', points: ep('trainLoss') },
        { name: 'test loss (epoch)', points: ep('testLoss') },
      ],
      acc: [
        { name: 'training accuracy (step)', points: log.steps.acc },
        { name: 'train accuracy (epoch)', points: ep('trainAcc') },
        { name: 'test accuracy (epoch)', points: ep('testAcc') },
      ],
      lm: false,
    };
  }, [log]);
  // A language model (its config reads text, or its log has perplexities) has no image export or try-it.
  const languageModel = charts.lm || config?.data.source === 'text';
  const running = run.status === 'running' || run.status === 'pausing';
  const origin = config?.architecture.origin;
  return (
    <section aria-label="training dashboard" style={{ borderTop: '1px solid #334', marginTop: 16 }}>
      <h2>
        Training run {run.id} <small style={{ opacity: 0.7 }}>{run.status}</small>
      </h2>
      <p>
        {run.dataset} · {run.strategy} · {run.space} · backend {run.backend ?? 'not started yet'}
      </p>
      {config && (
        <p aria-label="trained architecture" style={{ fontSize: 13, opacity: 0.85, wordBreak: 'break-all' }}>
          {config.architecture.random
            ? `random architecture (seed ${config.architecture.random.seed})`
            : origin?.run
              ? `architecture of run ${origin.run} (${origin.epoch === undefined || origin.epoch === 'derived' ? 'derived' : `epoch ${origin.epoch}`})`
              : 'architecture from a file'}
          {' · '}recipe {config.recipe.preset}: {config.recipe.epochs} epochs, batch {config.recipe.batchSize}
          {config.recipe.lrDecay !== undefined
            ? `, lr ${config.recipe.lr} ×${config.recipe.lrDecay} per epoch from epoch ${config.recipe.lrDecayAfter ?? 0}, clip ${config.recipe.gradClip}`
            : `, lr ${config.recipe.lr} cosine, cutout ${config.recipe.cutout}, drop path ${config.recipe.dropPath}`}
        </p>
      )}
      <p aria-label="trained model">
        {run.testAcc !== undefined && <>test accuracy {(run.testAcc * 100).toFixed(2)}% · </>}
        {run.testPerplexity !== undefined && (
          <>
            test perplexity {run.testPerplexity.toFixed(2)}
            {run.valPerplexity !== undefined && <> (validation {run.valPerplexity.toFixed(2)})</>} ·{' '}
          </>
        )}
        {run.params !== undefined && <>{formatCount(run.params)} parameters · </>}
        {run.flops !== undefined && <>{formatCount(run.flops)} FLOPs</>}
      </p>
      {run.reason && (
        <p role="alert" style={{ color: '#fca5a5' }}>
          {run.reason}
        </p>
      )}
      <ProgressLine run={run} last={last} phases={[]} />
      <div style={{ margin: '8px 0' }}>
        {running && <button onClick={() => act(() => api().pauseRun(run.id))}>Pause</button>}{' '}
        {(running || run.status === 'queued') && (
          <button onClick={() => act(() => api().stopRun(run.id))}>Stop</button>
        )}
        {run.canResume && <button onClick={() => act(() => api().resumeRun(run.id))}>Resume</button>}{' '}
        {/* Every format the model has: ONNX, tfjs and safetensors; a language model ONNX and safetensors. */}
        <button onClick={() => act(async () => setExported(await api().exportRun(run.id)))}>
          Export model
        </button>
      </div>
      {(error || actionError) && <p role="alert">{actionError ?? error}</p>}
      {exported && (
        <p aria-label="exported files">
          Exported to {exported.folder}: {exported.files.map((f) => f.name).join(', ')}
        </p>
      )}
      {log.steps.loss.length === 0 ? (
        <p style={{ opacity: 0.7 }}>Curves appear after the first step.</p>
      ) : (
        <div aria-label="training charts">
          <SeriesChart label="loss chart" series={charts.loss} xName="step" yName="loss" width="50%" />
          {charts.lm ? (
            <SeriesChart
              label="perplexity chart"
              series={charts.acc}
              xName="step"
              yName="perplexity"
              width="50%"
            />
          ) : (
            <SeriesChart
              label="accuracy chart"
              series={charts.acc}
              xName="step"
              yName="accuracy"
              width="50%"
            />
          )}
        </div>
      )}
      {log.lmFinal ? (
        <div aria-label="test results">
          <h3>
            Test split: perplexity {log.lmFinal.testPerplexity.toFixed(2)} (validation{' '}
            {log.lmFinal.valPerplexity.toFixed(2)})
          </h3>
        </div>
      ) : log.final ? (
        <div aria-label="test results">
          <h3>
            Test split: {(log.final.testAcc * 100).toFixed(2)}% correct — confusion matrix and per-class
            accuracy
          </h3>
          <ConfusionHeatmap final={log.final} />
        </div>
      ) : (
        <p style={{ opacity: 0.7 }}>
          {charts.lm
            ? 'The final test perplexity appears when the training ends.'
            : 'The confusion matrix appears when the training ends.'}
        </p>
      )}
      {!languageModel && <TryItPanel run={run} />}
    </section>
  );
}
