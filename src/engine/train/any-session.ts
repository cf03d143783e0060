import { spaceSpec } from '../catalog';
import { LmTrainSession, assertLanguageModelFits } from './lm-session';
import { buildLmTrainData, isLmTrainData, type LmTrainData } from './lm-train-data';
import { TrainSession, assertNetworkFits } from './session';
import { buildTrainData, type TrainData } from './train-data';
import type { TrainConfig } from './train-config';

/**
 * A training run's data and session whatever the space trains: an image classifier (TrainSession on
 * images) or a language model (LmTrainSession on text, the enas-rnn space). The run machinery and
 * the CLI call these, so that they need not know which.
 */
export type AnyTrainData = TrainData | LmTrainData;
export type AnyTrainSession = TrainSession | LmTrainSession;

export function trainsLanguageModel(config: TrainConfig): boolean {
  return spaceSpec(config.space.name).modality === 'text';
}

export async function buildAnyTrainData(
  config: TrainConfig,
  onWarning?: (m: string) => void,
): Promise<AnyTrainData> {
  return trainsLanguageModel(config) ? buildLmTrainData(config) : buildTrainData(config, onWarning);
}

export function openTrainSession(config: TrainConfig, data: AnyTrainData): AnyTrainSession {
  if (trainsLanguageModel(config) !== isLmTrainData(data))
    throw new Error(
      `the ${config.space.name} space trains ${trainsLanguageModel(config) ? 'a language model on text' : 'an image classifier on images'}, but the data given is ${isLmTrainData(data) ? 'text' : 'images'}`,
    );
  return isLmTrainData(data) ? new LmTrainSession(config, data) : new TrainSession(config, data);
}

/** The pre-flight check of either kind (the network runs on the data), before a run folder exists. */
export function assertTrainingFits(config: TrainConfig, data: AnyTrainData): void {
  if (isLmTrainData(data)) assertLanguageModelFits(config, data);
  else assertNetworkFits(config, data);
}
