/**
 * Running totals the runs list shows (time spent computing, best epoch-mean validation accuracy),
 * kept from the metrics log so that they survive pauses and crashes: on resume they are rebuilt from
 * the log's surviving records, then updated step by step.
 */
export class RunTotals {
  elapsedSeconds = 0;
  bestValAcc: number | undefined;
  private epoch = -1;
  private valSum = 0;
  private valCount = 0;

  /** Rebuilds the totals from existing metric records (after the log was truncated to a checkpoint). */
  static fromRecords(records: Array<Record<string, unknown>>): RunTotals {
    const t = new RunTotals();
    for (const r of records)
      if (r.kind === 'step')
        t.addStep(r.epoch as number, r.seconds as number, r.valAcc as number | undefined);
      else if (r.kind === 'epoch' && typeof r.valAcc === 'number')
        t.bestValAcc = Math.max(t.bestValAcc ?? -Infinity, r.valAcc);
    return t;
  }

  addStep(epoch: number, seconds: number, valAcc: number | undefined): void {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.valSum = 0;
      this.valCount = 0;
    }
    this.elapsedSeconds += Number.isFinite(seconds) ? seconds : 0;
    if (typeof valAcc === 'number' && Number.isFinite(valAcc)) {
      this.valSum += valAcc;
      this.valCount += 1;
    }
  }

  /** Closes the current epoch: its mean validation accuracy (undefined without any), folded into the best. */
  endEpoch(): number | undefined {
    if (this.valCount === 0) return undefined;
    const mean = this.valSum / this.valCount;
    this.bestValAcc = Math.max(this.bestValAcc ?? -Infinity, mean);
    return mean;
  }
}
