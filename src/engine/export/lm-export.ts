import { buildStepExportGraph, ExportError, type ExportGraph, type StepEmitter } from '../nn/export-graph';
import { readNamedWeights, WEIGHTS_LAYOUT, WEIGHTS_LAYOUT_KEY, type NamedWeights } from '../nn/named-weights';
import { encodeSafetensors } from '../nn/safetensors';
import type { LanguageModelNetwork } from '../search/supernet';
import {
  EXPORT_FORMATS,
  LanguageModelManifestSchema,
  LM_EXPORT_FORMATS,
  LM_MANIFEST_KIND,
  VOCAB_FILE,
  type ExportFormat,
  type LanguageModelManifest,
} from './manifest';
import { languageModelCard } from './model-card';
import { assertTrained, byTensor, manifestHeader, manifestProvenance } from './model-export';
import { writeExportFolder, type ExportResult } from './export-folder';
import { ONNX_HIDDEN, ONNX_HIDDEN_OUT, ONNX_OUTPUT, ONNX_TOKENS, writeOnnx } from './onnx-writer';
import { TFJS_NO_RECURRENT_STEP } from './tfjs-writer';

/**
 * Export of a trained recurrent language model (the enas-rnn space's final network), beside the
 * image classifiers' model-export.ts. The model is one recurrent step: token ids [N] and the carried
 * state [N, H] in, next-token logits [N, vocab] and the new state out, so a user runs it token by
 * token and feeds the state back (zeros before the first token). It is emitted by the network
 * (emitStep) into the same export graph the image writers read, written as ONNX; the safetensors
 * file holds the engine's weights; vocab.json maps ids to tokens. TensorFlow.js is refused
 * (tfjs-writer.ts TFJS_NO_RECURRENT_STEP). See docs/export.md.
 */

/** What a language-model training run hands over: the trained network and what the manifest records. */
export interface TrainedLanguageModel {
  space: string;
  spaceConfig: unknown;
  arch: unknown;
  archText: string;
  finalOptions: unknown;
  network: LanguageModelNetwork & StepEmitter;
  /** The training corpus's vocabulary: token id i is vocab[i]. */
  vocab: string[];
  /** The BPTT window it was trained with. */
  bptt?: number;
  metrics: { testPerplexity?: number; valPerplexity?: number; testLoss?: number };
  recipe: unknown;
  seed: number;
  sourceRun?: string;
}

/** A final network that can export one step of itself. */
export function isStepEmitter(n: unknown): n is StepEmitter {
  return typeof (n as Partial<StepEmitter>).emitStep === 'function';
}

/** How the corpora of this app turn text into ids (data/ptb.ts); the manifest records it. */
const TOKENIZATION =
  'words split on whitespace; each line of the corpus ends with <eos>; a word outside the vocabulary is <unk>';

const NOT_EXPORTED = [
  'dropout (embedding, input, weight and output dropout are training-time only; the step is eval mode)',
  'the BPTT window (the step is one token; carry hidden_out into the next step for any length)',
];

/**
 * The network's step graph (errors name an unsupported module); `weights`: its state read
 * beforehand (else the graph reads each weight synchronously, which webgpu in Node cannot).
 */
export function stepGraphOf(
  model: Pick<TrainedLanguageModel, 'network'>,
  weights?: NamedWeights,
): ExportGraph {
  return buildStepExportGraph(model.network, weights && byTensor(model.network, weights));
}

function checkFormats(formats: ExportFormat[]): void {
  if (formats.length === 0)
    throw new ExportError(`no export format given (a language model: ${LM_EXPORT_FORMATS.join(', ')})`);
  for (const f of formats) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(f))
      throw new ExportError(`unknown export format '${f}' (known: ${EXPORT_FORMATS.join(', ')})`);
    if (f === 'tfjs') throw new ExportError(TFJS_NO_RECURRENT_STEP);
  }
}

function safetensorsOf(model: TrainedLanguageModel, weights: NamedWeights): Uint8Array {
  return encodeSafetensors(weights, {
    [WEIGHTS_LAYOUT_KEY]: WEIGHTS_LAYOUT,
    'nas_studio.space': model.space,
    'nas_studio.architecture': model.archText,
    'nas_studio.kind': LM_MANIFEST_KIND,
  });
}

/**
 * Writes the export folder `outDir` of a language model: model.onnx and/or model.safetensors (by
 * `formats`, default both), vocab.json, manifest.json and README.md. Atomic as exportModel: written
 * into a temporary sibling renamed to `outDir` at the end, removed on any failure.
 */
export async function exportLanguageModel(
  model: TrainedLanguageModel,
  outDir: string,
  formats: ExportFormat[] = [...LM_EXPORT_FORMATS],
): Promise<ExportResult> {
  const wanted = [...new Set(formats)];
  checkFormats(wanted);
  const vocabSize = model.network.vocabSize;
  if (model.vocab.length !== vocabSize)
    throw new ExportError(
      `the network predicts ${vocabSize} tokens but the vocabulary has ${model.vocab.length}`,
    );
  if (new Set(model.vocab).size !== model.vocab.length)
    throw new ExportError('the vocabulary has a token twice: ids would be ambiguous');
  // Non-finite weights (a diverged run) are refused; a language model has no BatchNorm statistics.
  // One awaited read of the whole state, which everything below uses (as exportModel does).
  const weights = await readNamedWeights(model.network);
  assertTrained(model.network, weights);
  const graph = stepGraphOf(model, weights);
  if (graph.output.shape[0] !== vocabSize)
    throw new ExportError(`the step's logits have ${graph.output.shape[0]} values for ${vocabSize} tokens`);
  const H = model.network.hiddenSize;

  return writeExportFolder<LanguageModelManifest['files'][number]['format']>(outDir, async (put, files) => {
    const title = `${model.space} ${model.sourceRun ?? 'language model'}`;
    if (wanted.includes('onnx'))
      await put('model.onnx', writeOnnx(graph, { name: title, docString: model.archText }), 'onnx');
    if (wanted.includes('safetensors'))
      await put('model.safetensors', safetensorsOf(model, weights), 'safetensors');
    await put(VOCAB_FILE, `${JSON.stringify(model.vocab)}\n`, 'vocab');

    const manifest: LanguageModelManifest = LanguageModelManifestSchema.parse({
      ...manifestHeader(model),
      kind: LM_MANIFEST_KIND,
      step: {
        usage: `one recurrent step: feed token ids [N] and the state [N, ${H}] (zeros before a text's first token), get the next token's logits [N, ${vocabSize}] and the state after the token; feed ${ONNX_HIDDEN_OUT} back as ${ONNX_HIDDEN} for the next token`,
        inputs: {
          tokens: { name: ONNX_TOKENS, dtype: 'int64', shape: ['N'] },
          hidden: { name: ONNX_HIDDEN, dtype: 'float32', shape: ['N', H] },
        },
        outputs: {
          logits: { name: ONNX_OUTPUT, dtype: 'float32', shape: ['N', vocabSize] },
          hidden: { name: ONNX_HIDDEN_OUT, dtype: 'float32', shape: ['N', H] },
        },
        hiddenSize: H,
        initialHidden: 'zeros',
      },
      vocabulary: {
        file: VOCAB_FILE,
        size: vocabSize,
        unknownToken: model.vocab.includes('<unk>') ? '<unk>' : undefined,
        endOfSentenceToken: model.vocab.includes('<eos>') ? '<eos>' : undefined,
        tokenization: TOKENIZATION,
      },
      output: { kind: 'logits', vocab: vocabSize },
      metrics: model.metrics,
      trainedWindow: model.bptt,
      ...manifestProvenance(model, NOT_EXPORTED, files),
    });
    await put('README.md', languageModelCard(manifest), 'card');
    manifest.files = files;
    await put('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, 'card');
  });
}
