import type { FinalNetwork } from '../search/supernet';

/**
 * STUB (branch `train`): the export side of issue #18 (ONNX, tfjs, safetensors + manifest) is built
 * on branch `export`, which replaces this file. Only the seam the training run needs is here: the
 * TrainedModel a finished training run rebuilds (runs/trained-model.ts) and exportModel's signature.
 */
export interface TrainedModel {
  space: string;
  spaceConfig: unknown;
  arch: unknown;
  archText: string;
  finalOptions: unknown;
  network: FinalNetwork;
  inputShape: { height: number; width: number; channels: number };
  classNames: string[];
  preprocessing: { mean: number[]; std: number[] };
  metrics: { testAcc?: number; confusion?: number[][]; perClassAcc?: number[] };
  recipe: unknown;
  seed: number;
  sourceRun?: string;
}

export type ExportFormat = 'onnx' | 'tfjs' | 'safetensors';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['onnx', 'tfjs', 'safetensors'];

export async function exportModel(
  _model: TrainedModel,
  _outDir: string,
  _formats: readonly ExportFormat[],
): Promise<unknown> {
  throw new Error('export is not built yet');
}
