/**
 * `npm run bench:web-load [-- --seconds 30] [--clients 50] [--rate 200] [--baseline 20] [--out FILE]`
 *
 * Web mode under load, on loopback only (docs/reliability.md): starts `nas-studio serve` (the built
 * CLI, out/node/cli.js) on 127.0.0.1 with a fresh runs folder, starts a long tiny search through the
 * API, measures its step time and the server's memory without load (`--baseline` seconds), then
 * opens `--clients` server-sent-event connections and sends `--rate` requests a second of mixed API
 * calls (open loop: the rate does not slow down when replies do) for `--seconds`, then measures
 * again while the server recovers. Stops the search and the server and removes its folder at the
 * end; a watchdog ends everything if it runs past its bound. Exits 1 on any failed request (a
 * network error, a timeout, or a status other than the one the call should get) or a dropped
 * event connection.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { request, type IncomingMessage } from 'node:http';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('seconds', 30);
const CLIENTS = arg('clients', 50);
const RATE = arg('rate', 200);
const BASELINE = arg('baseline', 20);
const RECOVERY = 10;
const outIndex = process.argv.indexOf('--out');
const OUT = outIndex > 0 ? process.argv[outIndex + 1] : undefined;

const cli = resolve('out/node/cli.js');
for (const f of [cli, resolve('out/node/worker.js'), resolve('out/renderer/index.html')])
  if (!existsSync(f)) throw new Error(`${f} is not built: run npm run build first`);

// The whole run is bounded: warm-up, baseline, load, recovery, and a minute for start and stop.
const watchdog = setTimeout(
  () => {
    process.stderr.write('web-load: past its time bound, stopping\n');
    cleanup();
    process.exit(2);
  },
  (BASELINE + SECONDS + RECOVERY + 90) * 1000,
);
watchdog.unref();

process.on('uncaughtException', (e) => {
  process.stderr.write(`web-load: ${e.stack ?? e.message}\n`);
  cleanup();
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`web-load: ${(e as Error).stack ?? String(e)}\n`);
  cleanup();
  process.exit(1);
});

const base = mkdtempSync(join(tmpdir(), 'nas-web-load-'));
const runsDir = join(base, 'runs');
const server = spawn(process.execPath, [cli, 'serve', '--runs', runsDir], {
  env: {
    ...process.env,
    NAS_STUDIO_HOME: join(base, 'home'),
    HOME: base,
    NAS_STUDIO_BACKEND: 'wasm',
    // One thread: on a shared two-core machine, threads would only contend with the load.
    NAS_STUDIO_WASM_THREADS: '1',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const sse: IncomingMessage[] = [];
function cleanup(): void {
  for (const s of sse) s.destroy();
  if (server.exitCode === null) server.kill('SIGTERM');
  rmSync(base, { recursive: true, force: true });
}

/** The server's URL (with the token), from what `serve` prints. */
const url = await new Promise<string>((res, rej) => {
  let out = '';
  server.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
    if (m) res(m[1]);
  });
  server.once('exit', (code) =>
    rej(new Error(`serve exited (code ${code}) before printing its URL: ${out}`)),
  );
});
const origin = url.split('/?')[0];
const token = new URL(url).searchParams.get('token') as string;
const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

interface Reply {
  status: number;
  ms: number;
  bytes: number;
}
function send(method: string, path: string, body?: string): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const req = request(
      origin + path,
      {
        method,
        headers:
          body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      },
      (r) => {
        let bytes = 0;
        r.on('data', (c: Buffer) => (bytes += c.length));
        r.on('end', () => res({ status: r.statusCode ?? 0, ms: performance.now() - t0, bytes }));
        r.on('error', rej);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('no reply within 10 s')));
    req.on('error', rej);
    req.end(body);
  });
}
const call = async (method: string, ...args: unknown[]) => {
  const r = await new Promise<string>((res, rej) => {
    const body = JSON.stringify(args);
    const req = request(
      `${origin}/api/call/${method}`,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } },
      (m) => {
        let t = '';
        m.on('data', (c: Buffer) => (t += c));
        m.on('end', () =>
          m.statusCode === 200 ? res(t) : rej(new Error(`${method}: ${m.statusCode} ${t}`)),
        );
      },
    );
    req.on('error', rej);
    req.end(body);
  });
  return JSON.parse(r).result;
};

/** The server process's resident memory (Linux /proc; ps elsewhere would do). */
function serverRssBytes(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

// A tiny DARTS search with far more steps than the measurement needs: it is stopped at the end.
const id: string = await call('startRun', {
  space: { cells: 2, nodes: 2, channels: 4 },
  // 2048 images, 64 steps an epoch: far more steps than the measurement takes.
  epochs: 1000,
  batchSize: 16,
  backend: 'wasm',
  data: { source: 'synthetic', synthetic: { size: 2048, imageSize: 8, channels: 3, classes: 4 } },
});
const metricsPath = join(runsDir, id, 'metrics.jsonl');
/** Seconds of the step records written so far. */
const stepSeconds = (): number[] =>
  existsSync(metricsPath)
    ? readFileSync(metricsPath, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"kind":"step"'))
        .map((l) => JSON.parse(l).seconds as number)
    : [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

// Warm-up: the worker starts, loads tfjs and compiles its kernels.
while (stepSeconds().length < 5) await sleep(500);

/** Samples the server's memory every second during `seconds`; returns the samples and the steps that ran. */
async function phase(seconds: number, during?: () => void) {
  const first = stepSeconds().length;
  const rss: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    rss.push(serverRssBytes());
    during?.();
    await sleep(1000);
  }
  const steps = stepSeconds().slice(first);
  return { rss, steps };
}
const summary = (p: { rss: number[]; steps: number[] }) => ({
  steps: p.steps.length,
  stepSecondsMedian: median(p.steps),
  stepSecondsP90: quantile(p.steps, 0.9),
  serverRssMiB: {
    first: p.rss[0] / 2 ** 20,
    max: Math.max(...p.rss) / 2 ** 20,
    last: p.rss[p.rss.length - 1] / 2 ** 20,
    // Every 5 s, to read a trend (growth that levels off is the heap sizing itself; a leak keeps going).
    every5s: p.rss.filter((_, i) => i % 5 === 0).map((b) => Math.round(b / 2 ** 20)),
  },
});

const baseline = await phase(BASELINE);

// The load: event clients first, then the request stream.
const events = Array.from({ length: CLIENTS }, () => ({ bytes: 0, progress: 0, ended: false }));
await Promise.all(
  events.map(
    (e) =>
      new Promise<void>((res, rej) => {
        const req = request(`${origin}/api/events`, { headers }, (r) => {
          if (r.statusCode !== 200) return rej(new Error(`events: ${r.statusCode}`));
          sse.push(r);
          r.on('data', (c: Buffer) => {
            e.bytes += c.length;
            e.progress += c.toString().split('event: progress').length - 1;
          });
          r.on('close', () => (e.ended = true));
          res();
        });
        req.on('error', rej);
        req.end();
      }),
  ),
);
const MIX: Array<[number, () => Promise<Reply>, number]> = [
  // [weight, request, status it must get]
  [25, () => send('POST', '/api/call/listRuns', '[]'), 200],
  [15, () => send('POST', '/api/call/runMetrics', JSON.stringify([id])), 200],
  [15, () => send('POST', '/api/call/runLog', JSON.stringify([id])), 200],
  [10, () => send('POST', '/api/call/runConfig', JSON.stringify([id])), 200],
  [10, () => send('POST', '/api/call/getSettings', '[]'), 200],
  [10, () => send('GET', '/'), 200],
  [5, () => send('POST', '/api/call/listFolder', '[null,false]'), 200],
  [5, () => send('POST', '/api/call/deleteRun', JSON.stringify(['../x'])), 400],
  [5, () => send('GET', `/api/runs/${id}/exports/genotype.json`), 200],
];
const totalWeight = MIX.reduce((a, [w]) => a + w, 0);
let sent = 0;
let failed = 0;
const failures: string[] = [];
const latencies: number[] = [];
let inFlight = 0;
let maxInFlight = 0;
const pending: Promise<void>[] = [];
const loadStart = performance.now();
const loadEnd = loadStart + SECONDS * 1000;
/** Sends the requests due by now: `RATE` per second since the load began. */
const pump = () => {
  const due = Math.min(Math.floor(((performance.now() - loadStart) / 1000) * RATE), SECONDS * RATE);
  while (sent < due) {
    let r = ((sent * 7919) % totalWeight) + 0.5; // a fixed, well-spread mix
    const [, make, expected] = MIX.find(([w]) => (r -= w) < 0) ?? MIX[0];
    sent++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    pending.push(
      make()
        .then((reply) => {
          latencies.push(reply.ms);
          if (reply.status !== expected) {
            failed++;
            if (failures.length < 20) failures.push(`status ${reply.status}, expected ${expected}`);
          }
        })
        .catch((e: Error) => {
          failed++;
          if (failures.length < 20) failures.push(e.message);
        })
        .finally(() => inFlight--),
    );
  }
};
const ticker = setInterval(pump, 5);
const load = await phase(SECONDS);
while (performance.now() < loadEnd) await sleep(10);
pump();
clearInterval(ticker);
await Promise.all(pending);
const loadSeconds = (performance.now() - loadStart) / 1000;
const dropped = events.filter((e) => e.ended).length;
for (const s of sse) s.destroy();
const recovery = await phase(RECOVERY);

const statusAtEnd = ((await call('listRuns')) as Array<{ id: string; status: string }>).find(
  (r) => r.id === id,
)?.status;
if (statusAtEnd === 'running') {
  await call('stopRun', id);
  for (let i = 0; i < 60; i++) {
    const run = ((await call('listRuns')) as Array<{ id: string; status: string }>).find((r) => r.id === id);
    if (run?.status === 'stopped') break;
    await sleep(500);
  }
}
const report = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average at the end ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (shared with other jobs)`,
  node: process.versions.node,
  settings: {
    seconds: SECONDS,
    clients: CLIENTS,
    rate: RATE,
    baselineSeconds: BASELINE,
    recoverySeconds: RECOVERY,
  },
  requests: {
    sent,
    failed,
    achievedRate: sent / loadSeconds,
    latencyMs: { median: median(latencies), p99: quantile(latencies, 0.99), max: Math.max(...latencies) },
    maxInFlight,
    failures,
  },
  events: {
    clients: CLIENTS,
    dropped,
    progressEventsPerClient: {
      min: Math.min(...events.map((e) => e.progress)),
      max: Math.max(...events.map((e) => e.progress)),
    },
  },
  search: {
    // 'running': the search ran through the whole measurement (it is stopped afterwards).
    statusAtEnd,
    baseline: summary(baseline),
    load: summary(load),
    recovery: summary(recovery),
  },
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (OUT) writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
cleanup();
process.exit(failed || dropped || statusAtEnd !== 'running' ? 1 : 0);
