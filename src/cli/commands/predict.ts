import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { chooseBackend } from '../../engine/backend';
import { predictNextTokens } from '../../engine/export/lm-predict';
import { predictImages, type PredictRuntime } from '../../engine/export/predict';

interface PredictOptions {
  top?: string;
  runtime?: string;
  json?: boolean;
  text?: string;
}

/**
 * `nas-studio predict MODEL_DIR IMAGE...`: the top classes of each image with an exported image
 * classifier; `nas-studio predict MODEL_DIR --text "..."`: the most probable next tokens with an
 * exported language model.
 */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      'print the top classes of PNG/JPEG images (or, with --text, the next tokens of a language model) with a model folder written by nas-studio export',
    )
    .argument('<modelDir>', 'the export folder (manifest.json with model.onnx and/or model.json)')
    .argument('[images...]', 'PNG or JPEG files (an image classifier)')
    .option('--text <words>', 'a language model: the text so far; prints the most probable next tokens')
    .option('--top <k>', 'how many classes (or next tokens) to print; default 3 (5 with --text)')
    .option('--runtime <name>', 'onnx (onnxruntime-node) or tfjs; default: onnx when the folder has it')
    .option('--json', 'print the predictions as JSON')
    .action(async (modelDir: string, images: string[], opts: PredictOptions) => {
      const top = Number(opts.top ?? (opts.text !== undefined ? 5 : 3));
      if (!Number.isInteger(top) || top < 1)
        throw new Error(`--top must be a positive integer, got '${opts.top}'`);
      if (opts.runtime !== undefined && opts.runtime !== 'onnx' && opts.runtime !== 'tfjs')
        throw new Error(`--runtime must be onnx or tfjs, got '${opts.runtime}'`);
      if (opts.text !== undefined) {
        if (images.length > 0)
          throw new Error('--text predicts the next tokens of a text: give no images with it');
        if (opts.runtime === 'tfjs')
          throw new Error('--text runs the ONNX step: a language model has no TensorFlow.js export');
        const r = await predictNextTokens(modelDir, opts.text, { top });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        if (r.unknown.length > 0)
          process.stderr.write(`not in the vocabulary, read as the unknown token: ${r.unknown.join(', ')}\n`);
        for (const t of r.top) process.stdout.write(`${t.name}\t${(100 * t.probability).toFixed(1)}%\n`);
        process.stderr.write('(onnx)\n');
        return;
      }
      // The tfjs runtime computes on the engine's backend (NAS_STUDIO_BACKEND, else the fastest there is).
      if (opts.runtime === 'tfjs' || !existsSync(join(modelDir, 'model.onnx'))) await chooseBackend();
      const result = await predictImages(modelDir, images, {
        top,
        runtime: opts.runtime as PredictRuntime,
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      for (const p of result.predictions) {
        const classes = p.top.map((t) => `${t.name} ${(100 * t.probability).toFixed(1)}%`).join(', ');
        process.stdout.write(`${p.image}: ${classes}\n`);
      }
      process.stderr.write(`(${result.runtime})\n`);
    });
}
