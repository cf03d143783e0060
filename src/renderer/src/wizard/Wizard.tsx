import { useState } from 'react';
import type { RunMeta } from '../../../runs/meta';
import type { DoctorReport } from '../../../shared/doctor';
import { api } from '../api';
import { DatasetStep } from './DatasetStep';
import {
  PAPER_DRAFT,
  QUICK_DRAFT,
  draftErrors,
  errorsByPath,
  setPath,
  titledMessage,
  type Draft,
} from './draft';
import { Errors } from './fields';
import { ReviewStep } from './ReviewStep';
import { switchDataSource, switchSpace, switchStrategy, withCpuPreset } from './sections';
import { SpaceStep } from './SpaceStep';
import { SplitsStep, TrainingStep } from './steps';
import { StrategyStep } from './StrategyStep';

const STEPS = [
  ['dataset', 'Dataset'],
  ['splits', 'Splits'],
  ['space', 'Search space'],
  ['strategy', 'Strategy'],
  ['training', 'Training'],
  ['review', 'Review'],
] as const;

/**
 * The search wizard: six steps, each validated as you type by the engine's own schema (a step with
 * errors cannot be left forward), the papers' defaults and a why beside every field, then Start.
 * The space and strategy steps are generated from the registered specs.
 */
export function Wizard({
  doctor,
  onStarted,
}: {
  doctor: DoctorReport | null;
  onStarted: (id: string) => void;
}) {
  const [draft, setDraft] = useState<Draft>(QUICK_DRAFT);
  const [step, setStep] = useState(0);
  const [startError, setStartError] = useState<string | null>(null);
  const [meta, setMeta] = useState<RunMeta>({});
  // Said once when choosing a space changed the strategy too; cleared by the next choice or preset.
  const [note, setNote] = useState<string | null>(null);
  const set = (path: string, v: unknown) => setDraft((d) => setPath(d, path, v));
  const replace = (d: Draft) => {
    setDraft(d);
    setNote(null);
  };
  const key = STEPS[step][0];
  const errors = draftErrors(draft, key === 'review' ? undefined : key);
  const fieldErrors = errorsByPath(draft);
  return (
    <section aria-label="new search" className="card">
      <h2>New search</h2>
      <nav aria-label="wizard steps" style={{ marginBottom: 8 }}>
        {STEPS.map(([k, title], i) => (
          <button
            key={k}
            onClick={() => setStep(i)}
            aria-current={i === step ? 'step' : undefined}
            disabled={i > step && draftErrors(draft).length > 0}
            style={{ marginRight: 4 }}
          >
            {i + 1}. {title}
          </button>
        ))}
        <span className="muted" style={{ marginLeft: 12 }}>
          presets: <button onClick={() => replace(QUICK_DRAFT)}>quick CPU search</button>{' '}
          <button onClick={() => replace(PAPER_DRAFT)}>DARTS paper (GPU)</button>
        </span>
      </nav>
      {key === 'dataset' && (
        <DatasetStep
          draft={draft}
          set={(path, v) => {
            if (path !== 'data.source') return set(path, v);
            const r = switchDataSource(draft, v as string);
            setDraft(r.draft);
            setNote(r.note);
          }}
        />
      )}
      {key === 'splits' && <SplitsStep draft={draft} set={set} errors={fieldErrors} />}
      {key === 'space' && (
        <SpaceStep
          draft={draft}
          set={set}
          errors={fieldErrors}
          doctor={doctor}
          onChoose={(name) => {
            const r = switchSpace(draft, name);
            setDraft(r.draft);
            setNote(r.note);
          }}
        />
      )}
      {key === 'strategy' && (
        <StrategyStep
          draft={draft}
          set={set}
          errors={fieldErrors}
          onChoose={(name) => replace(switchStrategy(draft, name))}
          onCpuPreset={() => replace(withCpuPreset(draft))}
        />
      )}
      {key === 'training' && <TrainingStep draft={draft} set={set} errors={fieldErrors} />}
      {key === 'review' && <ReviewStep draft={draft} onLoad={replace} meta={meta} onMeta={setMeta} />}
      {note && (key === 'dataset' || key === 'space' || key === 'strategy') && (
        <p role="status" aria-label="wizard note" className="info-text">
          {note}
        </p>
      )}
      <Errors lines={errors} />
      {startError && <p role="alert">{startError}</p>}
      <div style={{ marginTop: 8 }}>
        <button disabled={step === 0} onClick={() => setStep(step - 1)}>
          Back
        </button>{' '}
        {key !== 'review' ? (
          <button className="primary" disabled={errors.length > 0} onClick={() => setStep(step + 1)}>
            Next
          </button>
        ) : (
          <button
            className="primary"
            disabled={errors.length > 0}
            onClick={() =>
              api()
                .startRun(draft, {
                  ...(meta.name?.trim() ? { name: meta.name.trim() } : {}),
                  ...(meta.notes?.trim() ? { notes: meta.notes } : {}),
                })
                .then((id) => {
                  setStartError(null);
                  onStarted(id);
                })
                .catch((e: Error) => setStartError(titledMessage(draft, '', e.message)))
            }
          >
            Start search
          </button>
        )}
      </div>
    </section>
  );
}
