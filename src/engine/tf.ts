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

export * from '@tensorflow/tfjs-core';
