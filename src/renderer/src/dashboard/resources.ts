import type { ResourceSample } from '../../../shared/protocol';

/** Bytes in binary units, three significant figures: "812 MiB", "1.25 GiB", "0 B". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)} ${units[i]}`;
}

/** One figure of the resource panel: what it is, its value, and what it means. */
export interface ResourceFigure {
  label: string;
  value: string;
  title: string;
}

/** The figures the dashboard shows for one sample; GPU memory says why when the backend cannot report it. */
export function resourceFigures(s: ResourceSample): ResourceFigure[] {
  const figures: ResourceFigure[] = [
    {
      label: 'memory (RSS)',
      value: formatBytes(s.rssBytes),
      title: "the worker process's resident memory: everything it holds in RAM",
    },
    {
      label: 'JS heap',
      value: `${formatBytes(s.heapUsedBytes)} of ${formatBytes(s.heapTotalBytes)}`,
      title: 'V8 heap in use, of the heap reserved (the cpu backend keeps its tensors here)',
    },
    {
      label: 'CPU',
      value: `${s.cpuPercent.toFixed(0)} %`,
      title: 'share of one core since the previous sample (above 100 % with several threads)',
    },
    {
      label: 'tensors',
      value: `${s.tensors} (${formatBytes(s.tensorBytes)})`,
      title: 'tensors tfjs holds and their bytes (tf.memory()); flat over steps when nothing leaks',
    },
  ];
  if (s.wasmHeapBytes !== undefined)
    figures.push({
      label: 'wasm heap',
      value: formatBytes(s.wasmHeapBytes),
      title: "the wasm backend's memory, where its tensors live (part of the RSS)",
    });
  figures.push({
    label: 'GPU memory',
    value: s.gpuBytes !== undefined ? formatBytes(s.gpuBytes) : 'not reported',
    title:
      s.gpuBytes !== undefined
        ? 'GPU memory this process holds'
        : s.backend === 'tensorflow'
          ? 'nvidia-smi gave no figure for this process (no NVIDIA driver, or TensorFlow runs on the CPU)'
          : `the ${s.backend || 'current'} backend computes on the CPU: no GPU memory in use`,
  });
  return figures;
}

/** Keeps the newest `max` samples of a series (the panel's sparkline of the RSS). */
export function appendBounded<T>(xs: readonly T[], x: T, max: number): T[] {
  const next = xs.length >= max ? xs.slice(xs.length - max + 1) : xs.slice();
  next.push(x);
  return next;
}
