/**
 * The WebGPU adapter's description and the memory check against its limits, tfjs-free so that
 * search/memory.ts (which the app's wizard imports) can use it.
 */

/** What `doctor` shows of the adapter (GPUAdapterInfo, the limits the engine checks, and the verdict). */
export interface WebGpuAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasteriser (Mesa's llvmpipe/lavapipe, SwiftShader, WARP): correct but slower than the CPU backends. */
  software: boolean;
  /** The limits that decide what fits, as the adapter reports them. */
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxStorageBuffersPerShaderStage: number;
  };
  features: string[];
}

/**
 * Peak step memory against the adapter: the largest single tensor must fit one storage binding
 * (maxStorageBufferBindingSize; the space's cost model gives the step's peak, not its largest tensor:
 * a supernet step holds at least one output per op per edge of several cells at once, so the largest
 * is taken as 1/LARGEST_TENSOR_SHARE of the peak), and the
 * whole step must fit the device memory where it is known (nvidia-smi; WebGPU does not expose it).
 * Returns the refusal, or null.
 */
export function webgpuMemoryRefusal(
  needBytes: number | null | undefined,
  a: WebGpuAdapterReport,
  deviceMemoryBytes: number | null = null,
): string | null {
  if (!needBytes) return null;
  const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
  if (deviceMemoryBytes !== null && needBytes > 0.9 * deviceMemoryBytes)
    return `this search needs about ${gb(needBytes)} per step, more than the GPU's ${gb(deviceMemoryBytes)}: reduce batchSize or the space's size`;
  const largestTensor = needBytes / LARGEST_TENSOR_SHARE;
  if (largestTensor > a.limits.maxStorageBufferBindingSize)
    return `this search needs about ${gb(needBytes)} per step; its largest tensors (about ${gb(largestTensor)}) exceed the adapter's maxStorageBufferBindingSize of ${gb(a.limits.maxStorageBufferBindingSize)} (maxBufferSize ${gb(a.limits.maxBufferSize)}): reduce batchSize or the space's size`;
  return null;
}

/**
 * The step's peak over its largest tensor, assumed (see webgpuMemoryRefusal): the smallest DARTS
 * supernet (3 cells, 2 nodes, 8 ops) holds 5 edges × 8 op outputs of a cell's size at its peak; 32
 * leaves room for a cell's concatenated output. The paper's search (2.5 GB per step) then needs a
 * binding of about 80 MB, under WebGPU's default 128 MiB.
 */
export const LARGEST_TENSOR_SHARE = 32;
