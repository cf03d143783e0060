import type { Draft } from './draft';
import { SchemaFields } from './SchemaFields';
import { fieldTitle } from './schema-fields';
import { spaceSpecOf, strategiesFor, strategySpecOf } from './sections';
import { SpecPicker } from './SpecPicker';

/** Step 4: the strategies that run on the chosen space, and the chosen one's fields (from its schema). */
export function StrategyStep(props: {
  draft: Draft;
  set: (path: string, v: unknown) => void;
  onChoose: (name: string) => void;
  onCpuPreset: () => void;
  errors: Record<string, string>;
}) {
  const { draft } = props;
  const spec = strategySpecOf(draft);
  const choices = strategiesFor(draft.space.name);
  return (
    <fieldset>
      <legend>4. Strategy{spec ? `: ${spec.title}` : ''}</legend>
      {choices.length ? (
        <SpecPicker label="strategy" specs={choices} chosen={draft.strategy.name} onChoose={props.onChoose} />
      ) : (
        <p role="alert">No registered strategy runs on {spaceSpecOf(draft)?.title ?? draft.space.name}.</p>
      )}
      {spec?.cpuPreset && (
        <p>
          <button
            onClick={props.onCpuPreset}
            title="this strategy's values sized for a CPU, over its defaults"
          >
            CPU preset
          </button>{' '}
          <small style={{ opacity: 0.7 }}>
            sets{' '}
            {Object.keys(spec.cpuPreset)
              .map((k) => fieldTitle(spec.schema, k) ?? k)
              .join(', ')}{' '}
            to values sized for a CPU
          </small>
        </p>
      )}
      {spec ? (
        <SchemaFields
          schema={spec.schema}
          section="strategy"
          values={draft.strategy as Record<string, unknown>}
          set={props.set}
          errors={props.errors}
        />
      ) : (
        <p role="alert">This app does not know the strategy '{draft.strategy.name}': choose one above.</p>
      )}
    </fieldset>
  );
}
