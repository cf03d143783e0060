import { homedir } from 'node:os';
import { join } from 'node:path';

/** The app's data folder: NAS_STUDIO_HOME, else ~/.nas-studio. Runs and the dataset cache live here. */
export function appHome(env: Record<string, string | undefined> = process.env): string {
  return env.NAS_STUDIO_HOME || join(homedir(), '.nas-studio');
}

export function runsRoot(env = process.env): string {
  return join(appHome(env), 'runs');
}

export function datasetCache(env = process.env): string {
  return join(appHome(env), 'datasets');
}

/** The folders the doctor report names. */
export function appPaths(env = process.env): { home: string; datasetCache: string } {
  return { home: appHome(env), datasetCache: datasetCache(env) };
}
