import type { SearchSpace } from './space';
import type { ArchSnapshot, SnapshotKind } from './strategy';

/**
 * A strategy's per-label snapshot from its values per label, titled and labelled by the space;
 * `caption` says what the values are where the kind's name alone would not (LabelSnapshot.caption).
 */
export function snapshotOf(
  space: SearchSpace,
  kind: SnapshotKind,
  values: Record<string, number[][]>,
  caption?: string,
): ArchSnapshot {
  return Object.fromEntries(
    space.choicePoints.map((cp) => [
      cp.label,
      {
        kind,
        title: cp.title,
        ...(caption ? { caption } : {}),
        rows: cp.rows,
        options: cp.options,
        values: values[cp.label],
      },
    ]),
  );
}
