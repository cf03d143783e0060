import type { DoctorReport } from '../../../shared/doctor';
import { CostEstimate } from './CostEstimate';
import type { Draft } from './draft';
import { SchemaFields } from './SchemaFields';
import { spaceSpecOf, spaceSpecs } from './sections';
import { SpecPicker } from './SpecPicker';

/** Step 3: the registered search spaces, the chosen one's fields (from its schema) and what it costs. */
export function SpaceStep(props: {
  draft: Draft;
  set: (path: string, v: unknown) => void;
  onChoose: (name: string) => void;
  errors: Record<string, string>;
  doctor: DoctorReport | null;
}) {
  const { draft } = props;
  const spec = spaceSpecOf(draft);
  return (
    <fieldset>
      <legend>3. Search space{spec ? `: ${spec.title}` : ''}</legend>
      <SpecPicker
        label="search space"
        specs={spaceSpecs()}
        chosen={draft.space.name}
        onChoose={props.onChoose}
      />
      {spec ? (
        <SchemaFields
          schema={spec.schema}
          section="space"
          values={draft.space as Record<string, unknown>}
          set={props.set}
          errors={props.errors}
        />
      ) : (
        <p role="alert">This app does not know the search space '{draft.space.name}': choose one above.</p>
      )}
      <CostEstimate draft={draft} doctor={props.doctor} />
    </fieldset>
  );
}
