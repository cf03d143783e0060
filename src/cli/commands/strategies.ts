import type { Command } from 'commander';
import { z } from 'zod';
import { SPACE_SPECS, STRATEGY_SPECS } from '../../engine/catalog';

/** What the registry holds, as `nas-studio strategies [--json]` prints it (the specs' own declarations). */
export function describeRegistry() {
  return {
    strategies: STRATEGY_SPECS.map((s) => ({
      name: s.name,
      title: s.title,
      description: s.description,
      reference: s.reference,
      spaces: [...s.spaces],
      metrics: s.metrics.map((m) => m.key),
      config: z.toJSONSchema(s.schema),
    })),
    spaces: SPACE_SPECS.map((s) => ({
      name: s.name,
      title: s.title,
      description: s.description,
      reference: s.reference,
      strategies: STRATEGY_SPECS.filter((t) => (t.spaces as readonly string[]).includes(s.name)).map(
        (t) => t.name,
      ),
      config: z.toJSONSchema(s.schema),
    })),
  };
}

export function registerStrategiesCommand(program: Command): void {
  program
    .command('strategies')
    .description('the registered search strategies and spaces, and which spaces each strategy runs on')
    .option('--json', 'machine-readable, with each config schema (JSON Schema)')
    .action((opts: { json?: boolean }) => {
      const r = describeRegistry();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      process.stdout.write('strategies:\n');
      for (const s of r.strategies)
        process.stdout.write(`  ${s.name.padEnd(16)} ${s.title} — spaces: ${s.spaces.join(', ')}\n`);
      process.stdout.write('spaces:\n');
      for (const s of r.spaces)
        process.stdout.write(`  ${s.name.padEnd(16)} ${s.title} — strategies: ${s.strategies.join(', ')}\n`);
    });
}
