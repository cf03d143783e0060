import type { Command } from 'commander';
import { readFileSync, mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { parseSearchConfig, type SearchConfig } from '../../shared/search-config';
import { chooseBackend } from '../../engine/backend';
import { SearchSession } from '../../engine/search/session';
import { buildSearchData } from '../../engine/search/build-data';
import { genotypeToJson } from '../../engine/spaces/darts/genotype';

/** Reads and validates a search config file; errors name the file and every bad field. */
export function loadConfigFile(file: string | undefined): SearchConfig {
  if (!file) return parseSearchConfig({}, 'the default configuration');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read the config file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`The config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseSearchConfig(json, file);
}

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('run an architecture search from a JSON config (paper defaults fill in what it omits)')
    .option('-c, --config <file>', 'search configuration (JSON)')
    .option('-o, --out <dir>', 'output folder for genotype.json and metrics.jsonl', 'nas-studio-search')
    .option('--backend <name>', 'tfjs backend: tensorflow, wasm or cpu (default: fastest available)')
    .option('--epochs <n>', 'override the number of epochs', (v) => Number.parseInt(v, 10))
    .action(async (opts: { config?: string; out: string; backend?: string; epochs?: number }) => {
      const config = loadConfigFile(opts.config);
      if (opts.epochs !== undefined) config.epochs = opts.epochs;
      const prefer = opts.backend ?? (config.backend === 'auto' ? undefined : config.backend);
      const backend = await chooseBackend({ prefer: prefer as 'tensorflow' | 'wasm' | 'cpu' | undefined });
      const out = resolve(opts.out);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'config.json'), JSON.stringify(config, null, 2));
      const data = await buildSearchData(config);
      console.error(`backend: ${backend.chosen} · data: ${data.description}`);
      const session = new SearchSession(config, data);
      const bar = new SingleBar(
        { format: 'search |{bar}| {percentage}% · epoch {epoch} · step {value}/{total} · loss {loss} · ETA {eta_formatted}', etaBuffer: 20 },
        Presets.shades_classic,
      );
      bar.start(session.totalSteps, 0, { epoch: 0, loss: '-' });
      const metricsFile = join(out, 'metrics.jsonl');
      writeFileSync(metricsFile, '');
      while (!session.done) {
        const r = session.runStep();
        appendFileSync(metricsFile, JSON.stringify({ step: r.info.globalStep, epoch: r.info.epoch, ...r.metrics }) + '\n');
        bar.update(r.info.globalStep + 1, { epoch: r.info.epoch + 1, loss: r.metrics.trainLoss.toFixed(3) });
        if (r.epochEnd) {
          writeFileSync(join(out, 'genotype.json'), genotypeToJson(r.epochEnd.genotype));
          writeFileSync(join(out, 'alpha.json'), JSON.stringify(r.epochEnd.arch));
        }
      }
      bar.stop();
      const genotype = session.strategy.derive();
      writeFileSync(join(out, 'genotype.json'), genotypeToJson(genotype));
      session.dispose();
      console.log(JSON.stringify({ genotype, out }, null, 2));
    });
}
