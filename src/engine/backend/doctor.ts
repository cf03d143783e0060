import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { datasetCache, appHome } from '../../shared/paths';
import type { DoctorReport } from '../../shared/doctor';
import { chooseBackend, type BackendName } from './choose';

/** GPUs as nvidia-smi lists them, or why none are listed. */
export function detectGpus(): DoctorReport['gpus'] {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const devices = out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, memory, driver] = line.split(',').map((s) => s.trim());
        return { name, memory, driver };
      });
    return { devices, note: devices.length ? '' : 'nvidia-smi lists no GPU' };
  } catch {
    return { devices: [], note: 'nvidia-smi not found: no NVIDIA driver on this machine' };
  }
}

/** Whether Electron's binary is present (electron downloads it at first launch, not at install). */
export function detectElectron(): DoctorReport['electron'] {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('electron/package.json'));
    const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version as string;
    const pathFile = join(pkgDir, 'path.txt');
    const binary = existsSync(pathFile) ? join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
    const present = !!binary && existsSync(binary);
    return {
      version,
      binaryPresent: present,
      note: present
        ? `binary at ${binary}`
        : 'the Electron binary has not been downloaded (it is fetched from GitHub at first launch); use the CLI or web mode meanwhile',
    };
  } catch {
    return { version: null, binaryPresent: false, note: 'the electron package is not installed' };
  }
}

export async function collectDoctorReport(opts: { prefer?: BackendName } = {}): Promise<DoctorReport> {
  const backend = await chooseBackend({ prefer: opts.prefer });
  return {
    backend: {
      chosen: backend.chosen,
      attempts: backend.attempts,
      whyNotFaster: backend.whyNotFaster,
      tfjsVersion: backend.tfjsVersion,
    },
    gpus: detectGpus(),
    electron: detectElectron(),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    paths: { home: appHome(), datasetCache: datasetCache() },
  };
}

export function formatDoctorReport(r: DoctorReport): string {
  const lines = [
    `backend: ${r.backend.chosen} (tfjs ${r.backend.tfjsVersion})`,
    ...r.backend.attempts.map((a) => `  ${a.ok ? '✓' : '✗'} ${a.backend}: ${a.detail}`),
    r.backend.whyNotFaster ? `  why not faster: ${r.backend.whyNotFaster}` : '  this is the fastest backend',
    `GPUs: ${r.gpus.devices.length ? r.gpus.devices.map((d) => `${d.name} (${d.memory}, driver ${d.driver})`).join('; ') : r.gpus.note}`,
    `Electron ${r.electron.version ?? '-'}: ${r.electron.note}`,
    `Node ${r.node} on ${r.platform}`,
    `data folder: ${r.paths.home} (dataset cache ${r.paths.datasetCache})`,
  ];
  return lines.join('\n');
}
