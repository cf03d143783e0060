import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunManager } from '../../runs/manager';
import { appPaths, datasetCache, runsRoot } from '../../shared/paths';
import { SettingsSchema, type Settings } from '../../shared/api';
import { StudioService } from '../../service/studio';
import { EventEmitter } from 'node:events';
import { WorkerClient } from '../../worker/client';
import { collectDoctorReport } from '../../engine/backend/doctor';
import { workerOperations } from '../../worker/requests';
import { ListenError, startWebServer } from '../../server/web-server';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** Where a serving instance notes its URL, so that a second `serve` on its port can point to it. */
const instanceFile = (runsDir: string) => join(runsDir, '.serve.json');

interface Instance {
  pid: number;
  port: number;
  url: string;
}

/** The instance serving these runs on `port`, if its note is there and its process is alive. */
function runningInstance(runsDir: string, port: number): Instance | null {
  try {
    const x = JSON.parse(readFileSync(instanceFile(runsDir), 'utf8')) as Instance;
    if (x.port !== port) return null;
    process.kill(x.pid, 0);
    return x;
  } catch {
    return null;
  }
}

/** Notes this instance's URL (it holds the token: owner-only) and removes the note when it exits. */
function recordInstance(runsDir: string, url: string): void {
  const file = instanceFile(runsDir);
  const port = Number(new URL(url).port);
  mkdirSync(runsDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ pid: process.pid, port, url }), { mode: 0o600 });
  const remove = () => rmSync(file, { force: true });
  process.once('exit', remove);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      remove();
      process.exit(130);
    });
}

/** The built engine worker and renderer, beside the built CLI or in the repository's out/. */
function builtPath(...parts: string[]): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const base of [join(here, '..'), join(here, '..', '..', '..', 'out')]) {
    const p = join(base, ...parts);
    if (existsSync(p)) return p;
  }
  throw new Error(`${parts.join('/')} is not built yet: run npm run build first`);
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'web mode: serve the app on 127.0.0.1 with an access token (for headless GPU machines; tunnel over SSH)',
    )
    .option('--port <n>', 'port (default: any free one)', (v) => Number.parseInt(v, 10))
    .option('--runs <dir>', 'runs folder', runsRoot())
    .option('--concurrency <n>', 'runs executing at once', (v) => Number.parseInt(v, 10), 1)
    .action(async (opts: { port?: number; runs: string; concurrency: number }) => {
      const worker = builtPath('node', 'worker.js');
      const runs = new RunManager({
        root: opts.runs,
        maxConcurrent: opts.concurrency,
        launch: WorkerClient.launcher(worker),
      });
      const events = new EventEmitter();
      // Web mode's settings live for the server's lifetime; the backend comes from NAS_STUDIO_BACKEND.
      let settings: Settings = SettingsSchema.parse({ maxConcurrentRuns: opts.concurrency });
      const service = new StudioService({
        runs,
        doctor: () => collectDoctorReport({ paths: appPaths() }),
        settings: {
          get: () => settings,
          set: (patch) => (settings = SettingsSchema.parse({ ...settings, ...patch })),
        },
        // In workers, so that a large dataset's decoding or an export does not stall the server's other requests.
        ...workerOperations(() => WorkerClient.launcher(worker)(process.env), datasetCache()),
        emit: (name, payload) => events.emit('event', name, payload),
      });
      let web;
      try {
        web = await startWebServer({
          service,
          events,
          runs,
          staticDir: builtPath('renderer'),
          port: opts.port,
        });
      } catch (e) {
        const ours =
          e instanceof ListenError && e.code === 'EADDRINUSE' ? runningInstance(opts.runs, e.port) : null;
        if (ours)
          throw new Error(
            `NAS Studio is already serving these runs on port ${ours.port} (pid ${ours.pid}): open ${ours.url}`,
          );
        throw e;
      }
      recordInstance(opts.runs, web.url);
      process.stdout.write(
        `NAS Studio is serving at\n  ${web.url}\n(only from this machine; from elsewhere: ssh -L PORT:127.0.0.1:PORT this-host)\n`,
      );
    });
}
