import { describe, expect, it } from 'vitest';
import { gpuUnusedReason, parseNvidiaSmi } from './doctor';
import { checkCudaLibraries, parseLdconfig } from './cuda-libs';

// Recorded on an H100 workstation with CUDA 13 and cuDNN 9 (2026-11-22): the GPU is there, but not
// the CUDA 11.2 / cuDNN 8.1 libraries tfjs-node-gpu 4.22 is built against.
const H100_SMI = 'NVIDIA H100 80GB HBM3, 81559 MiB, 580.159.04\n';
const H100_LDCONFIG = `1234 libs found in cache \`/etc/ld.so.cache'
\tlibcusolver.so.12 (libc6,x86-64) => /usr/local/cuda/targets/x86_64-linux/lib/libcusolver.so.12
\tlibcudnn.so.9 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcudnn.so.9
\tlibcudnn.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libcudnn.so
\tlibcudart.so.13 (libc6,x86-64) => /usr/local/cuda/targets/x86_64-linux/lib/libcudart.so.13
\tlibcudart.so (libc6,x86-64) => /usr/local/cuda/targets/x86_64-linux/lib/libcudart.so
\tlibcublas.so.13 (libc6,x86-64) => /usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13
\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6
`;

describe('doctor: GPUs and CUDA libraries', () => {
  it('reads nvidia-smi CSV, one GPU per line', () => {
    expect(parseNvidiaSmi(H100_SMI + 'NVIDIA RTX A6000, 49140 MiB, 580.159.04\n')).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', memory: '81559 MiB', driver: '580.159.04' },
      { name: 'NVIDIA RTX A6000', memory: '49140 MiB', driver: '580.159.04' },
    ]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });

  it('names the missing CUDA 11 / cuDNN 8 libraries and the other versions that are installed', () => {
    const libs = checkCudaLibraries(parseLdconfig(H100_LDCONFIG));
    expect(libs.missing).toEqual(['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8']);
    expect(libs.present).toEqual(['libcublas.so.13', 'libcudart.so.13', 'libcudnn.so.9']);
    expect(libs.note).toMatch(
      /needs CUDA 11\.2 and cuDNN 8\.1; missing libcudart\.so\.11\.0.*found libcublas\.so\.13/,
    );
    const ok = checkCudaLibraries(['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8', 'libc.so.6']);
    expect(ok.missing).toEqual([]);
  });

  it('explains an unused GPU, and says nothing when it computes or there is none', () => {
    const gpus = parseNvidiaSmi(H100_SMI);
    const libs = checkCudaLibraries(parseLdconfig(H100_LDCONFIG));
    expect(gpuUnusedReason({ chosen: 'wasm', flags: {} }, gpus, libs)).toMatch(
      /^the NVIDIA GPU \(NVIDIA H100 80GB HBM3\) is not used: the tensorflow backend is not in use; tfjs-node-gpu 4\.22 needs CUDA 11\.2/,
    );
    expect(gpuUnusedReason({ chosen: 'tensorflow', flags: { tensorflowGpu: false } }, gpus, libs)).toMatch(
      /libtensorflow found no usable GPU/,
    );
    expect(gpuUnusedReason({ chosen: 'tensorflow', flags: { tensorflowGpu: true } }, gpus, libs)).toBe('');
    expect(gpuUnusedReason({ chosen: 'cpu', flags: {} }, [], null)).toBe('');
  });
});
