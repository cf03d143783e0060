/**
 * The engine's one import of tfjs-core. It also registers the chained tensor methods (x.add(y), ...),
 * which tfjs-core alone does not install, so every engine file imports tf from here.
 */
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

export * from '@tensorflow/tfjs-core';
