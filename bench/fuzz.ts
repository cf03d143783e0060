/**
 * `npm run fuzz [-- --api N] [--protocol N] [--seed S] [--out FILE]`
 *
 * The full-count fuzzing of docs/reliability.md: N random and mutated API argument lists (and raw
 * requests) against web mode's server (test/fuzz/api-fuzz.ts), and N worker-protocol messages to
 * the built engine worker plus N worker-to-host messages through the host's check
 * (test/fuzz/protocol-fuzz.ts). Bounded by its counts (default 10,000 each); exits 1 if any
 * property failed, printing each kind of failure once with an example. The CI test
 * (test/fuzz/fuzz.test.ts) runs the same code at 300 each.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fuzzApi, type FuzzReport } from '../test/fuzz/api-fuzz';
import { fuzzProtocol } from '../test/fuzz/protocol-fuzz';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
const seed = arg('seed', 20);

/** Each kind of failure once, with how often it happened and an example input. */
function summarise(name: string, r: FuzzReport): void {
  process.stdout.write(
    `${name}: ${r.cases} cases in ${r.seconds.toFixed(1)} s · outcomes ${JSON.stringify(r.outcomes)} · ` +
      `${r.failures.length} failures · run folders ${r.runsUnchanged ? 'unchanged' : 'CHANGED'}\n`,
  );
  const kinds = new Map<string, { n: number; example: string }>();
  for (const f of r.failures) {
    const k = f.problem.slice(0, 90);
    const e = kinds.get(k) ?? { n: 0, example: f.what };
    e.n++;
    kinds.set(k, e);
  }
  for (const [k, e] of kinds) process.stdout.write(`  ${e.n}× ${k}\n     e.g. ${e.example.slice(0, 240)}\n`);
}

const results: Record<string, FuzzReport> = {};
const apiCount = arg('api', 10_000);
const protocolCount = arg('protocol', 10_000);
if (apiCount > 0) {
  results.api = await fuzzApi({ count: apiCount, seed });
  summarise('API', results.api);
}
if (protocolCount > 0) {
  const workerPath = resolve('out/node/worker.js');
  if (!existsSync(workerPath)) throw new Error(`${workerPath} is not built: run npm run build:node first`);
  results.protocol = await fuzzProtocol({ count: protocolCount, seed, workerPath });
  summarise('worker protocol', results.protocol);
}
const failed = Object.values(results).some((r) => r.failures.length || !r.runsUnchanged);
if (out)
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
        node: process.versions.node,
        seed,
        ...Object.fromEntries(
          Object.entries(results).map(([k, r]) => [k, { ...r, failures: r.failures.slice(0, 50) }]),
        ),
      },
      null,
      2,
    )}\n`,
  );
process.exit(failed ? 1 : 0);
