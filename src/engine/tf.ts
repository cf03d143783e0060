/**
 * The engine's one import of tfjs-core.
 *
 * tfjs-core's CommonJS build (what Node loads) registers neither gradients nor the chained tensor
 * methods (x.add(y)); its ESM files that do would load a second copy of tfjs-core in Node. The
 * `@tensorflow/tfjs` package's Node build registers both on the very same tfjs-core instance (and
 * tfjs-node-gpu depends on it anyway), so we load it for that side effect and program against
 * tfjs-core's API only.
 */
import '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { registerBackend, removeBackend } from '@tensorflow/tfjs-core';

export * from '@tensorflow/tfjs-core';

// tfjs-backend-cpu greets its first tensor in Node with advice to install tfjs-node. The engine picks
// its backend on purpose (tensorflow, then wasm, then cpu; `doctor` says why), so the greeting is
// noise in every CLI run, worker log and test file: register the same backend with it already given.
removeBackend('cpu');
registerBackend(
  'cpu',
  () => Object.assign(new MathBackendCPU(), { firstUse: false }),
  1, // tfjs-backend-cpu's own priority
);
