import type { Command } from 'commander';
import { collectDoctorReport, formatDoctorReport } from '../../engine/backend/doctor';
import { parseBackendName } from '../../engine/backend';
import { appPaths } from '../../shared/paths';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('report the compute backend, GPUs, Electron and paths this machine offers')
    .option('--json', 'print the report as JSON')
    .option('--backend <name>', 'try this backend first: tensorflow, webgpu, wasm or cpu')
    .action(async (opts: { json?: boolean; backend?: string }) => {
      const report = await collectDoctorReport({
        prefer: parseBackendName(opts.backend, '--backend'),
        paths: appPaths(),
      });
      process.stdout.write(
        opts.json ? JSON.stringify(report, null, 2) + '\n' : formatDoctorReport(report) + '\n',
      );
    });
}
