/**
 * The optimisers' arithmetic over all parameter tensors in one kernel call. The op itself (kernel
 * names, composed fallback, the loops the backends share) lives with the engine's other custom ops in
 * ops/multi-tensor.ts; this re-export only keeps strategies/darts.ts's import working until that file
 * imports from ops/ directly (it is being rewritten elsewhere).
 */
export { linearCombination, sumOfSquares } from '../ops/multi-tensor';
