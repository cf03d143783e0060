import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isLanguageModelManifest, parseLanguageModelManifest, type LanguageModelManifest } from './manifest';
import { loadOnnxRuntime, topClasses, type Prediction } from './predict';

/**
 * Next-token prediction with a language model's export folder (`nas-studio predict DIR --text`):
 * the text is split into words as the corpora are (manifest.vocabulary.tokenization), mapped to ids
 * with vocab.json (an unknown word becomes the unknown token), and run through the ONNX step one
 * token at a time from the zero state, each step's hidden_out fed back; the last step's logits give
 * the most probable next tokens. ONNX only: a language model has no TensorFlow.js export.
 */

export interface NextTokenPrediction {
  /** The words read, as the model saw them (unknown words replaced by the unknown token). */
  tokens: string[];
  /** Words of the text that are not in the vocabulary. */
  unknown: string[];
  /** The most probable next tokens, most probable first. */
  top: Prediction['top'];
}

function readVocabulary(dir: string, manifest: LanguageModelManifest): string[] {
  const file = join(dir, manifest.vocabulary.file);
  if (!existsSync(file)) throw new Error(`${dir}: has no ${manifest.vocabulary.file} (the vocabulary)`);
  let vocab: unknown;
  try {
    vocab = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`, { cause: e });
  }
  if (
    !Array.isArray(vocab) ||
    vocab.length !== manifest.vocabulary.size ||
    vocab.some((t) => typeof t !== 'string')
  )
    throw new Error(`${file}: not a list of the manifest's ${manifest.vocabulary.size} tokens`);
  return vocab as string[];
}

/** The top next tokens after `text` with the export folder `dir`; errors name the folder or word. */
export async function predictNextTokens(
  dir: string,
  text: string,
  opts: { top?: number } = {},
): Promise<NextTokenPrediction> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`${dir}: no such model folder (give the folder that nas-studio export wrote)`);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile))
    throw new Error(`${dir}: not a nas-studio export folder (it has no manifest.json)`);
  const raw = readFileSync(manifestFile, 'utf8');
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // parseLanguageModelManifest names the JSON error.
  }
  if (parsed !== null && !isLanguageModelManifest(parsed))
    throw new Error(`${dir}: an image classifier, not a language model: give it images, not --text`);
  const manifest = parseLanguageModelManifest(raw, manifestFile);
  const onnxFile = join(dir, 'model.onnx');
  if (!existsSync(onnxFile))
    throw new Error(
      `${dir}: has no model.onnx (exported without --format onnx); predict --text runs the ONNX step`,
    );
  const vocab = readVocabulary(dir, manifest);
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new Error('--text: give at least one word');
  const ids = new Map(vocab.map((t, i) => [t, i]));
  const unk = manifest.vocabulary.unknownToken;
  const unknown = words.filter((w) => !ids.has(w));
  if (unknown.length > 0 && (unk === undefined || !ids.has(unk)))
    throw new Error(`--text: '${unknown[0]}' is not in the vocabulary, which has no unknown token`);
  const tokens = words.map((w) => (ids.has(w) ? w : (unk as string)));

  const ort = await loadOnnxRuntime().catch((e: Error) => {
    throw new Error(`onnxruntime-node could not be loaded (${e.message}); predict --text needs it`, {
      cause: e,
    });
  });
  const session = await ort.InferenceSession.create(readFileSync(onnxFile));
  try {
    const { inputs, outputs, hiddenSize } = manifest.step;
    let hidden = new Float32Array(hiddenSize);
    let logits = new Float32Array(0);
    for (const t of tokens) {
      const out = await session.run({
        [inputs.tokens.name]: new ort.Tensor('int64', BigInt64Array.of(BigInt(ids.get(t)!)), [1]),
        [inputs.hidden.name]: new ort.Tensor('float32', hidden, [1, hiddenSize]),
      });
      hidden = Float32Array.from(out[outputs.hidden.name].data as Float32Array);
      logits = Float32Array.from(out[outputs.logits.name].data as Float32Array);
    }
    return { tokens, unknown, top: topClasses(logits, vocab, opts.top ?? 5)[0] };
  } finally {
    await session.release();
  }
}
