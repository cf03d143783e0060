import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunMetaSchema, type RunMeta } from './meta';
import type { SearchConfig } from '../shared/search-config';
import { parseRunConfig, type RunConfig, type TrainConfig } from '../shared/run-config';
import { writeFileAtomic } from './atomic';
import { RunStatusFileSchema, assertTransition, type RunStatus, type RunStatusFile } from './status';

/**
 * One run's folder (layout in docs/run-format.md):
 *   config.json      the validated config (defaults filled in), written once; `kind` 'train' for a
 *                    training run, absent or 'search' for a search
 *   meta.json        the run's name and notes, as the person gave them (optional)
 *   status.json      current status, rewritten atomically
 *   metrics.jsonl    append-only, one JSON object per step or epoch event
 *   heartbeat.json   the live step of an executing run, rewritten every few seconds
 *   log.txt          human-readable log
 *   checkpoints/     step-<n>.ckpt (see checkpoint-file.ts); the last two are kept
 *   exports/         genotype.json, weights, ...
 */
export class RunDir {
  /** Told of every status change this object makes (the worker forwards them to the app). */
  onTransition?: (status: RunStatus) => void;

  constructor(readonly path: string) {}

  get id(): string {
    return this.path.split(/[\\/]/).pop() as string;
  }
  get configPath() {
    return join(this.path, 'config.json');
  }
  get statusPath() {
    return join(this.path, 'status.json');
  }
  get metricsPath() {
    return join(this.path, 'metrics.jsonl');
  }
  get metaPath() {
    return join(this.path, 'meta.json');
  }
  get heartbeatPath() {
    return join(this.path, 'heartbeat.json');
  }
  get logPath() {
    return join(this.path, 'log.txt');
  }
  get checkpointsDir() {
    return join(this.path, 'checkpoints');
  }
  get exportsDir() {
    return join(this.path, 'exports');
  }

  /** Creates the folder for a new run; refuses to overwrite an existing run. */
  static create(root: string, id: string, config: RunConfig): RunDir {
    const dir = new RunDir(join(root, id));
    if (existsSync(dir.path)) throw new Error(`a run named ${id} already exists in ${root}`);
    mkdirSync(dir.checkpointsDir, { recursive: true });
    mkdirSync(dir.exportsDir, { recursive: true });
    writeFileAtomic(dir.configPath, JSON.stringify(config, null, 2));
    const now = new Date().toISOString();
    dir.writeStatus({ id, status: 'queued', createdAt: now, updatedAt: now, step: 0 });
    appendFileSync(dir.metricsPath, '');
    dir.log(`created run ${id}`);
    return dir;
  }

  /** The run's config, of either kind (search or training). */
  readConfig(): RunConfig {
    return parseRunConfig(JSON.parse(readFileSync(this.configPath, 'utf8')), this.configPath);
  }

  /** The config of a search run; a clear error for a training run. */
  readSearchConfig(): SearchConfig {
    const c = this.readConfig();
    if (c.kind === 'train') throw new Error(`run ${this.id} is a training run, not a search`);
    return c;
  }

  /** The config of a training run; a clear error for a search run. */
  readTrainConfig(): TrainConfig {
    const c = this.readConfig();
    if (c.kind !== 'train') throw new Error(`run ${this.id} is a search run, not a training run`);
    return c;
  }

  /** Writes the run's name and notes (empty ones left out); replaces what was there. */
  writeMeta(meta: RunMeta): void {
    const m = RunMetaSchema.parse(meta);
    const kept = Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'string' && v !== ''));
    writeFileAtomic(this.metaPath, JSON.stringify(kept, null, 2));
  }

  /** The run's name and notes; none for runs without meta.json (the CLI's) or with an unreadable one. */
  readMeta(): RunMeta {
    if (!existsSync(this.metaPath)) return {};
    try {
      const r = RunMetaSchema.safeParse(JSON.parse(readFileSync(this.metaPath, 'utf8')));
      return r.success ? r.data : {};
    } catch {
      return {};
    }
  }

  readStatus(): RunStatusFile {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.statusPath, 'utf8'));
    } catch (e) {
      throw new Error(`The run status file ${this.statusPath} cannot be read: ${(e as Error).message}`);
    }
    const r = RunStatusFileSchema.safeParse(raw);
    if (!r.success)
      throw new Error(`The run status file ${this.statusPath} is not valid: ${r.error.issues[0]?.message}`);
    return r.data;
  }

  writeStatus(s: RunStatusFile): void {
    writeFileAtomic(this.statusPath, JSON.stringify({ ...s, updatedAt: new Date().toISOString() }, null, 2));
  }

  /**
   * The executing run's live position. status.json changes at transitions and epoch ends only (a
   * long epoch would look stuck); this small file is rewritten every few seconds and costs nothing to
   * lose.
   */
  writeHeartbeat(h: { step: number; totalSteps: number; etaSeconds: number }): void {
    writeFileAtomic(this.heartbeatPath, JSON.stringify({ ...h, at: new Date().toISOString() }));
  }

  /** The status, with the heartbeat's step and ETA while the run executes. */
  readLiveStatus(): RunStatusFile {
    const s = this.readStatus();
    if ((s.status !== 'running' && s.status !== 'pausing') || !existsSync(this.heartbeatPath)) return s;
    try {
      const h = JSON.parse(readFileSync(this.heartbeatPath, 'utf8')) as {
        step: number;
        etaSeconds: number;
        at: string;
      };
      if (!(Number.isInteger(h.step) && h.step >= s.step)) return s;
      return { ...s, step: h.step, etaSeconds: Math.max(0, h.etaSeconds), heartbeatAt: h.at };
    } catch {
      return s; // torn or foreign: the status file's step stands
    }
  }

  /** Moves the run to `status` (checked against the allowed transitions) and merges `patch`. */
  transition(status: RunStatus, patch: Partial<RunStatusFile> = {}): RunStatusFile {
    const cur = this.readStatus();
    if (cur.status !== status) assertTransition(cur.status, status);
    const next = { ...cur, ...patch, status };
    if (status !== 'failed' && status !== 'interrupted' && !('reason' in patch)) delete next.reason;
    this.writeStatus(next);
    this.log(`status: ${cur.status} -> ${status}${patch.reason ? ` (${patch.reason})` : ''}`);
    if (cur.status !== status) this.onTransition?.(status);
    return next;
  }

  appendMetrics(record: Record<string, unknown>): void {
    appendFileSync(this.metricsPath, JSON.stringify(record) + '\n');
  }

  /** Metric records; a torn last line (the process died mid-write) is skipped. */
  readMetrics(): Array<Record<string, unknown>> {
    if (!existsSync(this.metricsPath)) return [];
    const out: Array<Record<string, unknown>> = [];
    for (const line of readFileSync(this.metricsPath, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // Only the last line can be torn; ignoring it loses at most one step's record.
      }
    }
    return out;
  }

  log(message: string): void {
    appendFileSync(this.logPath, `${new Date().toISOString()} ${message}\n`);
  }
}

/** All run folders under a root, newest first. */
export function listRunDirs(root: string): RunDir[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'status.json')))
    .map((d) => new RunDir(join(root, d.name)))
    .sort((a, b) => (a.id < b.id ? 1 : -1));
}
