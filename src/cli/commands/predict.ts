import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { chooseBackend } from '../../engine/backend';
import { predictImages, type PredictRuntime } from '../../engine/export/predict';

/** `nas-studio predict MODEL_DIR IMAGE...`: the top classes of each image with an exported model. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('print the top classes of PNG/JPEG images with a model folder written by nas-studio export')
    .argument('<modelDir>', 'the export folder (manifest.json with model.onnx and/or model.json)')
    .argument('<images...>', 'PNG or JPEG files')
    .option('--top <k>', 'how many classes to print per image', '3')
    .option('--runtime <name>', 'onnx (onnxruntime-node) or tfjs; default: onnx when the folder has it')
    .option('--json', 'print the predictions as JSON')
    .action(
      async (modelDir: string, images: string[], opts: { top: string; runtime?: string; json?: boolean }) => {
        const top = Number(opts.top);
        if (!Number.isInteger(top) || top < 1)
          throw new Error(`--top must be a positive integer, got '${opts.top}'`);
        if (opts.runtime !== undefined && opts.runtime !== 'onnx' && opts.runtime !== 'tfjs')
          throw new Error(`--runtime must be onnx or tfjs, got '${opts.runtime}'`);
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
      },
    );
}
