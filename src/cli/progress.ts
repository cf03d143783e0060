import { SingleBar, Presets } from 'cli-progress';
import { parseBackendName, type BackendName } from '../engine/backend';
import { executeRun, type ExecuteOptions, type RunProgress } from '../runs/execute';
import type { RunDir } from '../runs/run-dir';

/** Seconds between plain progress lines when stderr is not a terminal. */
const PLAIN_PROGRESS_MS = 10_000;

/** 3725 → '1h02m', 125 → '2m05s', 7 → '7s'. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const t = Math.round(s);
  const [h, m, sec] = [Math.floor(t / 3600), Math.floor((t % 3600) / 60), t % 60];
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** How one kind of run (search, training) shows its progress. */
export interface ProgressView {
  /** The bar's cli-progress format: its own keys and those of `payload`. */
  barFormat: string;
  /** Steps the bar's ETA averages over (cli-progress's default where absent). */
  etaBuffer?: number;
  /**
   * Called once per step: the bar's payload (`epoch` and `metrics` are shown as 1 and '-' until the
   * first step has reported) and the plain line (without its newline) for a stderr that is not a terminal.
   */
  show: (p: RunProgress) => { payload: Record<string, string | number>; line: string };
  /** Steps that print a plain line however recent the last one (besides the last step). */
  alwaysPlain?: (p: RunProgress) => boolean;
}

/**
 * A terminal gets a bar; a log file, nohup or CI gets no bar (it needs a terminal) but a plain line
 * every 10 s, at the last step and where the view asks for one.
 */
function progressPrinter(view: ProgressView) {
  const bar = new SingleBar(
    { format: view.barFormat, ...(view.etaBuffer !== undefined ? { etaBuffer: view.etaBuffer } : {}) },
    Presets.shades_classic,
  );
  let started = false;
  let lastLine = Number.NEGATIVE_INFINITY;
  return {
    update(p: RunProgress): void {
      const { payload, line } = view.show(p);
      if (!process.stderr.isTTY) {
        const now = performance.now();
        if (now - lastLine >= PLAIN_PROGRESS_MS || p.step === p.totalSteps || view.alwaysPlain?.(p)) {
          lastLine = now;
          process.stderr.write(`${line}\n`);
        }
        return;
      }
      if (!started) {
        bar.start(p.totalSteps, p.step - 1, { ...payload, epoch: 1, metrics: '-' });
        started = true;
      }
      bar.setTotal(p.totalSteps);
      bar.update(p.step, payload);
    },
    /** Ends the bar's line (nothing when it never started or stopped already). */
    stop(): void {
      bar.stop();
    },
  };
}

/** The backend a run asks for: the --backend option, else its config's unless that is 'auto'. */
export function preferredBackend(
  backendOption: string | undefined,
  configured: BackendName | 'auto',
): BackendName | undefined {
  return parseBackendName(backendOption, '--backend') ?? (configured === 'auto' ? undefined : configured);
}

/** One run executed in this process with its progress on stderr. */
export interface RunInTerminal {
  resume: boolean;
  view: ProgressView;
  /** What the caller loaded already (the dataset, checked before the run folder existed). */
  loaded?: Pick<ExecuteOptions, 'data' | 'trainData'>;
  /** Prints the answer of a run that completed. */
  onCompleted: () => void;
}

/**
 * Executes a run with a progress bar (plain lines without a terminal); Ctrl-C pauses it at the next
 * step boundary, and a paused or stopped run says how to continue.
 */
export async function executeInTerminal(dir: RunDir, run: RunInTerminal): Promise<void> {
  let pauseRequested = false;
  const onSigint = () => {
    pauseRequested = true;
    process.stderr.write('\npausing at the next step boundary…\n');
  };
  process.on('SIGINT', onSigint);
  const progress = progressPrinter(run.view);
  try {
    const outcome = await executeRun(dir, {
      resume: run.resume,
      ...run.loaded,
      shouldPause: () => pauseRequested,
      onWarning: (w) => process.stderr.write(`warning: ${w}\n`),
      onProgress: (p) => progress.update(p),
    });
    progress.stop();
    if (outcome === 'paused' || outcome === 'stopped')
      process.stderr.write(`${outcome}. Continue with: nas-studio resume ${dir.id}\n`);
    else run.onCompleted();
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
}
