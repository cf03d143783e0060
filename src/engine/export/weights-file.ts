import { readFile } from 'node:fs/promises';
import type { Module } from '../nn/module';
import {
  loadSafetensorsIntoModule,
  moduleToSafetensors,
  type SetNamedWeightsOptions,
} from '../nn/named-weights';
import { writeFileAtomic } from './atomic-write';

/** Saves every parameter and buffer of `module` as a safetensors file, atomically. */
export async function saveWeightsFile(
  path: string,
  module: Module,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, moduleToSafetensors(module, metadata));
}

/** Loads a safetensors file into `module` by name; errors name the file and the offending weights. */
export async function loadWeightsFile(
  path: string,
  module: Module,
  options: SetNamedWeightsOptions = {},
): Promise<ReturnType<typeof loadSafetensorsIntoModule>> {
  const bytes = await readFile(path);
  try {
    return loadSafetensorsIntoModule(
      new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      module,
      options,
    );
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  }
}
