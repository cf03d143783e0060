import type { RunDir } from './run-dir';

/**
 * An executing run's metrics log (metrics.jsonl), appended record by record, and the number of
 * records it holds: every checkpoint stores that number, so that a resume can cut the log back to
 * the records written before the checkpoint (run-resume.ts).
 */
export class MetricsLog {
  constructor(
    private readonly dir: RunDir,
    private count: number,
  ) {}

  get lines(): number {
    return this.count;
  }

  append(record: Record<string, unknown>): void {
    this.dir.appendMetrics(record);
    this.count++;
  }
}
