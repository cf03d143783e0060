import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, isAbsolute } from 'node:path';
import { EventEmitter } from 'node:events';
import { request } from 'node:http';
import { RunManager } from '../../src/runs/manager';
import { startWebServer } from '../../src/server/web-server';
import { StudioService } from '../../src/service/studio';
import { API_ARGS, SettingsSchema, type StudioMethod } from '../../src/shared/api';
import { DataSchema, describeConfigError, parseSearchConfig } from '../../src/shared/search-config';
import type { DoctorReport } from '../../src/shared/doctor';
import { writeFinishedRun } from '../e2e/fixture-run';
import { Hostile, jsonable } from './generators';
import { treeDigest } from './tree-digest';

/**
 * Error sentences that are a program's internals leaking, not a refusal written for people: a
 * TypeError's wording, a stack overflow, a JSON parser's message, a stack frame. Any of them in a
 * reply means an input reached code that did not expect it.
 */
export const INTERNAL_ERROR =
  /Cannot read propert|Cannot convert|is not a function|is not iterable|is not defined|of undefined|of null|Maximum call stack|must be of type|Unexpected token|Invalid typed array|Array buffer allocation|URI malformed|"code":\s*"|\n\s+at /;

export interface FuzzFailure {
  case: number;
  what: string;
  problem: string;
}

export interface FuzzReport {
  cases: number;
  /** Cases by how they were answered (HTTP status, or worker reply type). */
  outcomes: Record<string, number>;
  failures: FuzzFailure[];
  /** The run folders' digest was the same before and after. */
  runsUnchanged: boolean;
  seconds: number;
}

/** A short description of an input for a failure report (huge strings cut). */
export function brief(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = '(too deep to print)';
  }
  return s.length > 200 ? `${s.slice(0, 200)}… (${s.length} chars)` : s;
}

/** One HTTP request over a fresh connection (Node's fetch hides a reset connection behind a generic error). */
function httpRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    // Framed by its length: Node's client sends a DELETE's body unframed otherwise, which no server can parse.
    const framed =
      body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
    const req = request(url, { method, headers: framed, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error('no reply within 60 s')));
    req.end(body);
  });
}

/** Valid argument lists per method, to mutate; destructive ones name runs that do not exist. */
function seeds(home: string): Array<[StudioMethod, unknown[]]> {
  const config = {
    epochs: 1,
    batchSize: 8,
    stepsPerEpoch: 2,
    backend: 'cpu',
    space: { cells: 2, nodes: 2, channels: 2 },
    strategy: { name: 'darts' },
    data: { source: 'synthetic', synthetic: { size: 32, imageSize: 8, channels: 3, classes: 4 } },
  };
  return [
    ['doctor', []],
    ['getSettings', []],
    ['setSettings', [{ backend: 'cpu', maxConcurrentRuns: 2 }]],
    ['listRuns', []],
    ['startRun', [config]],
    ['pauseRun', ['no-such-run']],
    ['resumeRun', ['no-such-run']],
    ['stopRun', ['no-such-run']],
    ['deleteRun', ['no-such-run']],
    ['runMetrics', ['fixture-completed']],
    ['runConfig', ['fixture-completed']],
    ['runLog', ['fixture-completed']],
    ['exportRun', ['no-such-run']],
    ['predictImage', ['fixture-completed', { name: 'a.png', base64: 'iVBORw0KGgoAAAANSUhEUg==' }]],
    ['previewDataset', [config.data, 0]],
    ['probeRun', [config]],
    ['chooseDatasetPath', []],
    ['downloadDataset', ['no-such-dataset']],
    ['listFolder', [join(home, 'data'), false]],
  ];
}

/** Methods that change or start something: their mutated ids must never name a real run. */
const REAL_RUNS = new Set(['fixture-completed']);
const DESTRUCTIVE = new Set<string>(['pauseRun', 'resumeRun', 'stopRun', 'deleteRun', 'exportRun']);

/** A path segment for any string (a lone surrogate has no UTF-8 form: it is replaced, as a browser does). */
const enc = (s: string) =>
  encodeURIComponent(
    s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );

/** One fuzz input: a method name and a JSON body, or a raw request. */
interface ApiCase {
  what: string;
  method: string;
  path: string;
  body?: string;
}

function makeCase(h: Hostile, home: string): ApiCase | null {
  const all = Object.keys(API_ARGS) as StudioMethod[];
  const r = h.rng.uniform();
  if (r < 0.1) {
    // Raw requests: wrong HTTP methods, bodies that are not JSON or too large, odd paths.
    const path = h.pick([
      `/api/call/${h.pick(all)}`,
      `/api/call/${enc(h.string().slice(0, 40))}`,
      '/api/call/',
      '/api/runs/..%2f..%2fetc/exports/passwd',
      '/api/runs/fixture-completed/exports/..%2fconfig.json',
      '/api/runs/fixture-completed/exports/genotype.json',
      `/api/${enc(h.string().slice(0, 20))}`,
      '/%2e%2e/%2e%2e/etc/passwd',
      '/index.html',
      '/%E0%A4%A',
      '/api/runs/%E0%A4%A/exports/x',
    ]);
    const method = h.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
    const body =
      method === 'GET' || method === 'OPTIONS'
        ? undefined
        : h.pick(['', 'null', '{', '[1,', '\u0000', 'x'.repeat(3 << 20), '[]', '{"__proto__":{"a":1}}']);
    return { what: `${method} ${path}`, method, path, body };
  }
  let method: string;
  let args: unknown;
  if (r < 0.55) {
    method = h.chance(0.8)
      ? h.pick(all)
      : h.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'eval', h.string().slice(0, 30)]);
    args = h.chance(0.6) ? Array.from({ length: h.rng.int(4) }, () => h.value(3)) : h.value(3);
  } else {
    const [m, valid] = h.pick(seeds(home));
    method = m;
    args = h.mutate(valid);
  }
  // A destructive call on a real run would change it by design: that is not what is fuzzed.
  if (DESTRUCTIVE.has(method) && Array.isArray(args) && REAL_RUNS.has(args[0] as string)) return null;
  if (!jsonable(args)) return null;
  if (!/^[A-Za-z]+$/.test(method)) {
    // The router answers 404 for names that are not a word; still a case worth sending.
    return {
      what: `${method}(…)`,
      method: 'POST',
      path: `/api/call/${enc(method)}`,
      body: JSON.stringify(args),
    };
  }
  return {
    what: `${method}(${brief(args)})`,
    method: 'POST',
    path: `/api/call/${method}`,
    body: JSON.stringify(args),
  };
}

/**
 * Fuzzes web mode's API: `count` random and mutated argument lists (and raw requests) against a
 * web server over a real service whose runs folder holds a finished run, `parallel` at a time.
 * Engine operations are stubbed to refuse after validating their input (no run can start, nothing
 * is downloaded). Properties: every reply is JSON with a result (200) or an error sentence (4xx)
 * that is not an internal error, no request fails, the server still answers, no run folder changed.
 */
export async function fuzzApi(opts: { count: number; seed: number; parallel?: number }): Promise<FuzzReport> {
  const t0 = performance.now();
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'nas-fuzz-api-')));
  const root = join(base, 'runs');
  const home = join(base, 'home');
  mkdirSync(join(home, 'data', 'images'), { recursive: true });
  writeFileSync(join(home, 'data', 'ptb.train.txt'), 'a b\n');
  writeFinishedRun(root, 'fixture-completed', 20, 2);
  const staticDir = join(base, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>fuzz</title>');
  const failures: FuzzFailure[] = [];
  let launches = 0;
  const runs = new RunManager({
    root,
    launch: () => {
      launches++;
      throw new Error('the fuzzer starts no worker');
    },
  });
  const refuse = (what: string) => Promise.reject(new Error(`fuzz: ${what} is not run here`));
  const service = new StudioService({
    runs,
    doctor: async () => ({ node: process.versions.node }) as unknown as DoctorReport,
    settings: (() => {
      let s = SettingsSchema.parse({});
      return { get: () => s, set: (p) => (s = SettingsSchema.parse({ ...s, ...p })) };
    })(),
    // As the worker would: the settings are checked first (their errors are the replies), then refused.
    previewDataset: async (data) => {
      const p = DataSchema.safeParse(data ?? {});
      if (!p.success) throw new Error(`Invalid dataset settings:\n${describeConfigError(p.error)}`);
      return refuse('loading a dataset');
    },
    // As the worker would: the config is checked first (its errors are the replies), then refused.
    probeRun: async (config) => {
      parseSearchConfig(config, 'the wizard');
      return refuse('a probe');
    },
    exportRun: () => refuse('an export'),
    downloadDataset: () => refuse('a download'),
    emit: () => {},
    browseRoot: home,
  });
  const web = await startWebServer({ service, events: new EventEmitter(), runs, staticDir });
  const origin = web.url.split('/?')[0];
  const auth = { Authorization: `Bearer ${web.token}`, 'Content-Type': 'application/json' };
  const before = treeDigest(root);
  const outcomes: Record<string, number> = {};
  const errorsSeen = new Set<string>();
  const h = new Hostile(opts.seed);
  let next = 0;
  const one = async (i: number, c: ApiCase) => {
    const fail = (problem: string) => failures.push({ case: i, what: c.what.slice(0, 300), problem });
    let r: { status: number; type: string; text: string };
    try {
      r = await httpRequest(origin + c.path, c.method, auth, c.body);
    } catch (e) {
      return fail(`request failed: ${(e as Error).message}`);
    }
    outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
    if (r.type.startsWith('text/html')) {
      if (r.status !== 200) fail(`HTML with status ${r.status}`);
      return;
    }
    let body: { result?: unknown; error?: unknown };
    try {
      body = JSON.parse(r.text);
    } catch {
      return fail(
        `status ${r.status} (${r.type}) with a body that is not JSON: ${brief(r.text.slice(0, 100))}`,
      );
    }
    if (r.status === 200) {
      if (!('result' in body)) return fail('200 without a result');
      const m = /^\/api\/call\/([A-Za-z]+)$/.exec(c.path)?.[1];
      if (m === 'listFolder') {
        const p = (body.result as { path?: string }).path ?? '';
        const rel = relative(home, p);
        if (rel.startsWith('..') || isAbsolute(rel)) fail(`listed ${p}, outside the browse root`);
      }
      if ((m === 'getSettings' || m === 'setSettings') && !SettingsSchema.safeParse(body.result).success)
        fail(`settings reply is not Settings: ${brief(body.result)}`);
      if (m === 'listRuns' && !Array.isArray(body.result)) fail('listRuns did not return a list');
      return;
    }
    if (![400, 404, 405, 413].includes(r.status)) return fail(`status ${r.status}: ${brief(body)}`);
    if (typeof body.error !== 'string' || !body.error)
      return fail(`status ${r.status} without an error sentence`);
    if (INTERNAL_ERROR.test(body.error)) fail(`internal error leaked: ${body.error.slice(0, 300)}`);
    if (process.env.FUZZ_SHOW_ERRORS) errorsSeen.add(body.error.replace(/\d+/g, 'N').slice(0, 110));
  };
  const worker = async () => {
    while (next < opts.count) {
      const i = next++;
      let c: ApiCase | null = null;
      while (!c) c = makeCase(h, home);
      await one(i, c);
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.parallel ?? 8 }, worker));
    // Still alive and still right.
    const alive = await httpRequest(`${origin}/api/call/listRuns`, 'POST', auth, '[]');
    const list = JSON.parse(alive.text).result as Array<{ id: string; status: string }>;
    if (alive.status !== 200 || list.length !== 1 || list[0].status !== 'completed')
      failures.push({ case: -1, what: 'listRuns after fuzzing', problem: alive.text.slice(0, 300) });
    if (launches)
      failures.push({ case: -1, what: 'worker launches', problem: `${launches} runs were started` });
    const runsUnchanged = treeDigest(root) === before;
    if (process.env.FUZZ_SHOW_ERRORS) process.stdout.write(`${[...errorsSeen].sort().join('\n')}\n`);
    return { cases: opts.count, outcomes, failures, runsUnchanged, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await web.close();
    rmSync(base, { recursive: true, force: true });
  }
}
