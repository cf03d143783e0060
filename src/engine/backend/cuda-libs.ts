import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

/**
 * The CUDA libraries (by soname) that libtensorflow 2.9 inside tfjs-node-gpu 4.22 opens: it is built
 * against CUDA 11.2 and cuDNN 8.1 and does not use other major versions. When they are missing it
 * does not fail: it silently computes on the CPU, which is why the doctor looks for them.
 */
export const REQUIRED_CUDA_LIBS = ['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8'] as const;

/** Any major version of the same libraries, to say what is installed instead. */
const CUDA_FAMILY = /^lib(cudart|cublas|cudnn)\.so\.\d+(\.\d+)*$/;

export interface CudaLibraries {
  /** Required sonames not found. */
  missing: string[];
  /** CUDA/cuDNN sonames that are present (any version), e.g. libcudart.so.13 where CUDA 13 is installed. */
  present: string[];
  note: string;
}

/** Library sonames listed by `ldconfig -p` (lines like "\tlibcudart.so.13 (libc6,x86-64) => /path"). */
export function parseLdconfig(output: string): string[] {
  const names: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s+(\S+)\s+\(/.exec(line);
    if (m) names.push(m[1]);
  }
  return names;
}

/** Compares the available library file names with what tfjs-node-gpu 4.22 needs. */
export function checkCudaLibraries(available: Iterable<string>): CudaLibraries {
  const names = new Set(available);
  const missing = REQUIRED_CUDA_LIBS.filter((l) => !names.has(l));
  const present = [...names].filter((n) => CUDA_FAMILY.test(n)).sort();
  const note = missing.length
    ? `tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1; missing ${missing.join(', ')}` +
      (present.length ? ` (found ${present.join(', ')}: other major versions do not work with it)` : '')
    : 'CUDA 11 and cuDNN 8 libraries found';
  return { missing, present, note };
}

/**
 * Looks for the libraries the way the dynamic loader would (ldconfig's cache and LD_LIBRARY_PATH).
 * Linux only: tfjs-node-gpu has no GPU build for other systems. Null where it cannot be checked.
 */
export function detectCudaLibraries(
  env: Record<string, string | undefined> = process.env,
): CudaLibraries | null {
  if (process.platform !== 'linux') return null;
  const names: string[] = [];
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig']) {
    try {
      names.push(
        ...parseLdconfig(
          execFileSync(ldconfig, ['-p'], {
            encoding: 'utf8',
            timeout: 5000,
            stdio: ['ignore', 'pipe', 'ignore'],
          }),
        ),
      );
      break;
    } catch {
      // not on PATH: try the next one
    }
  }
  for (const dir of (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    try {
      names.push(...readdirSync(dir));
    } catch {
      // a listed folder that does not exist is not an error for the loader either
    }
  }
  return checkCudaLibraries(names);
}
