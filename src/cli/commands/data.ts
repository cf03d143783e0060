import type { Command } from 'commander';
import { describeDataset, detectFormat, openDataset } from '../../engine/data/open';
import { STANDARD_DATASETS, downloadStandardDataset } from '../../engine/data/download';
import { datasetCache } from '../../shared/paths';

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('datasets');
  data
    .command('inspect <path>')
    .description('what the app would see in a dataset: format, counts per class, image size, statistics')
    .option('--split <split>', 'train or test', 'train')
    .option('--size <n>', 'image size for image folders', (v) => Number.parseInt(v, 10), 32)
    .option('--json', 'print JSON')
    .action(async (path: string, opts: { split: string; size: number; json?: boolean }) => {
      if (opts.split !== 'train' && opts.split !== 'test')
        throw new Error(`--split: use train or test, not '${opts.split}'`);
      const format = detectFormat(path);
      const warnings: string[] = [];
      const d = await openDataset(path, opts.split, {
        imageSize: opts.size,
        onWarning: (w) => warnings.push(w),
      });
      const info = { ...describeDataset(d, format), warnings };
      if (opts.json) {
        process.stdout.write(JSON.stringify(info, null, 2) + '\n');
        return;
      }
      const lines = [
        `${info.description}`,
        `format ${info.format} · ${info.images} images of ${info.imageSize.join('x')} · ${info.classes} classes`,
        `pixel mean ${info.pixelMean.toFixed(3)}, std ${info.pixelStd.toFixed(3)} (scaled to [0, 1])`,
        ...Object.entries(info.countsPerClass).map(([c, n]) => `  ${c}: ${n}`),
        ...warnings.map((w) => `warning: ${w}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
  data
    .command('download <name>')
    .description(
      `download a standard dataset into the cache (${Object.keys(STANDARD_DATASETS).join(', ')}), resuming and verifying checksums`,
    )
    .option('--cache <dir>', 'dataset cache', datasetCache())
    .action(async (name: string, opts: { cache: string }) => {
      let last = 0;
      const dir = await downloadStandardDataset(name, opts.cache, (p) => {
        const now = Date.now();
        if (now - last < 500) return;
        last = now;
        const pct = p.total ? ` ${((100 * p.received) / p.total).toFixed(1)}%` : '';
        process.stderr.write(
          `\r${p.file.split('/').pop()}: ${(p.received / 2 ** 20).toFixed(1)} MB${pct}   `,
        );
      });
      process.stderr.write('\n');
      process.stdout.write(`${dir}\n`);
    });
}
