import type { ReactNode } from 'react';
import { spaceOf } from '../../../engine/catalog';
import type { SearchConfig } from '../../../shared/search-config';
import { GenotypeDiagram } from '../charts/GenotypeDiagram';
import { MobileNetStrip } from '../charts/MobileNetStrip';
import { Nb201Diagram } from '../charts/Nb201Diagram';
import { RnnCellDiagram } from '../charts/RnnCellDiagram';
import { layoutRnnCell } from './enas-rnn';
import { argmaxChoices } from './arch';
import type { EpochRecord } from './metrics-log';
import { parseMobileNet } from './mobilenet';
import { parseNb201 } from './nb201';

type Space = SearchConfig['space'] | null;
interface ViewProps {
  record: EpochRecord;
  text: string;
}

/** The record's text notation; old runs did not log it, so the run's space writes it from the genotype. */
export function genotypeTextOf(record: EpochRecord, space: Space): string {
  if (typeof record.genotypeText === 'string') return record.genotypeText;
  try {
    if (space) return spaceOf(space).toText(record.genotype as never);
  } catch {
    // A genotype this build's space cannot read: show its JSON instead.
  }
  return JSON.stringify(record.genotype);
}

/** Any space: per label, each row's option with the largest weight in the snapshot. */
function ChoicesView({ record }: ViewProps) {
  return (
    <div aria-label="chosen options" style={{ display: 'flex', flexWrap: 'wrap', gap: 24 }}>
      {Object.entries(record.arch).map(([label, s]) => (
        <table
          key={label}
          aria-label={`${s.title} choices`}
          style={{ borderCollapse: 'collapse', fontSize: 12 }}
        >
          <caption style={{ textAlign: 'left', fontWeight: 'bold' }}>{s.title}</caption>
          <thead>
            <tr style={{ textAlign: 'left', opacity: 0.8 }}>
              <th style={{ paddingRight: 12 }}>decision</th>
              <th>chosen</th>
              <th style={{ paddingLeft: 8 }}>weight</th>
            </tr>
          </thead>
          <tbody>
            {argmaxChoices(s).map((c) => (
              <tr key={c.row}>
                <td style={{ paddingRight: 12, fontFamily: 'monospace' }}>{c.row}</td>
                <td>{c.option}</td>
                <td style={{ opacity: 0.7, paddingLeft: 8 }}>{c.value.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}

interface DartsGenotype {
  normal: Array<[string, number]>;
  normalConcat: number[];
  reduce: Array<[string, number]>;
  reduceConcat: number[];
  /** Sparse cells (FairDARTS, SNAS edge_all): the node each gene feeds. */
  normalNodes?: number[];
  reduceNodes?: number[];
}
const isDartsGenotype = (g: unknown): g is DartsGenotype => {
  const x = g as Partial<DartsGenotype> | null;
  return (
    !!x &&
    Array.isArray(x.normal) &&
    Array.isArray(x.reduce) &&
    Array.isArray(x.normalConcat) &&
    Array.isArray(x.reduceConcat)
  );
};

/** Each gene as op←input, prefixed by its node where the cell is sparse. */
const genesText = (genes: Array<[string, number]>, nodes?: number[]) =>
  genes.map(([op, i], k) => (nodes ? `${nodes[k]}: ${op}←${i}` : `${op}←${i}`)).join(', ');

/** DARTS: the two cells drawn as the paper draws them, and each node's (op ← input) pairs. */
function DartsView(props: ViewProps) {
  const g = props.record.genotype;
  if (!isDartsGenotype(g)) return <ChoicesView {...props} />;
  return (
    <>
      <div>
        <GenotypeDiagram title="normal cell" gene={g.normal} nodes={g.normalNodes} concat={g.normalConcat} />
        <GenotypeDiagram
          title="reduction cell"
          gene={g.reduce}
          nodes={g.reduceNodes}
          concat={g.reduceConcat}
        />
      </div>
      <p aria-label="genotype" style={{ fontFamily: 'monospace', fontSize: 12 }}>
        normal: {genesText(g.normal, g.normalNodes)}
        <br />
        reduce: {genesText(g.reduce, g.reduceNodes)}
      </p>
    </>
  );
}

/** NAS-Bench-201: the cell drawn from its text notation (4 nodes, 6 labelled edges). */
function Nb201View(props: ViewProps) {
  let edges;
  try {
    edges = parseNb201(props.text);
  } catch (e) {
    return (
      <>
        <p style={{ opacity: 0.7 }}>Could not draw the cell: {(e as Error).message}</p>
        <ChoicesView {...props} />
      </>
    );
  }
  return <Nb201Diagram title="cell" edges={edges} />;
}

/** MobileNet-like layers: the strip of chosen blocks (kernel, expansion, skips) from the text notation. */
function MobileNetView(props: ViewProps) {
  let layers;
  try {
    layers = parseMobileNet(props.text);
  } catch (e) {
    return (
      <>
        <p style={{ opacity: 0.7 }}>Could not draw the layers: {(e as Error).message}</p>
        <ChoicesView {...props} />
      </>
    );
  }
  return <MobileNetStrip title="layers" layers={layers} />;
}

/** ENAS RNN cell: its nodes with their activations as a graph, from the text notation. */
function EnasRnnView(props: ViewProps) {
  let layout;
  try {
    layout = layoutRnnCell(props.text);
  } catch (e) {
    return (
      <>
        <p style={{ opacity: 0.7 }}>Could not draw the cell: {(e as Error).message}</p>
        <ChoicesView {...props} />
      </>
    );
  }
  return <RnnCellDiagram title="recurrent cell" layout={layout} />;
}

/** Drawings of a space's architecture, by space name; spaces without one get the table of choices. */
const VIEWS: Record<string, (p: ViewProps) => ReactNode> = {
  darts: DartsView,
  nb201: Nb201View,
  mobilenet: MobileNetView,
  'enas-rnn': EnasRnnView,
};

/** The architecture an epoch record holds: the space's drawing, and its text notation. */
export function GenotypeView({ record, space }: { record: EpochRecord; space: Space }) {
  const text = genotypeTextOf(record, space);
  const View = (space && VIEWS[space.name]) || ChoicesView;
  return (
    <section aria-label="derived architecture">
      <View record={record} text={text} />
      <p
        aria-label="architecture text"
        style={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all', opacity: 0.85 }}
      >
        {text}
      </p>
    </section>
  );
}
