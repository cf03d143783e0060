import { backendReadsSynchronously } from './webgpu';

/**
 * Tensor work split into passes (a forward and backward pass each), written once as a generator
 * that yields between them. `runPassesNow` runs it straight through; `runPassesRecycling` gives the
 * event loop a turn at every yield on webgpu, so that Dawn can free what the passes before created.
 *
 * Why: tfjs-backend-webgpu creates one bind group per kernel dispatch, and Dawn's Node bindings free
 * a bind group (Dawn then recycles its Vulkan descriptor set) only once V8 has collected the JS
 * wrapper and Node has run its N-API finaliser, which Node defers to the event loop. A synchronous
 * stretch of tfjs work therefore keeps every bind group it created. Mesa's lavapipe maps the memory
 * of each descriptor set separately (one `/memfd:allocation` mapping each), and Linux allows a
 * process 65,530 mappings (vm.max_map_count): the bench's tiny DARTS config dispatches about 53k
 * kernels per first-order step and over 100k per second-order step, and lavapipe crashed (SIGSEGV
 * in memset under Dawn's DescriptorSetAllocator) at about 60k (docs/backends.md). A turn between
 * passes bounds the live bind groups by the largest pass instead of the whole step.
 */
export type DevicePasses<T> = Generator<void, T, void>;

/** Runs every pass at once (synchronous backends, and synchronous callers on any backend). */
export function runPassesNow<T>(passes: DevicePasses<T>): T {
  let r = passes.next();
  while (!r.done) r = passes.next();
  return r.value;
}

/**
 * Runs the passes with a turn of the event loop between them on webgpu (see DevicePasses); on every
 * other backend (`recycle` false) exactly as runPassesNow, without awaiting anything between them.
 */
export async function runPassesRecycling<T>(
  passes: DevicePasses<T>,
  recycle: boolean = !backendReadsSynchronously(),
): Promise<T> {
  if (!recycle) return runPassesNow(passes);
  let r = passes.next();
  try {
    while (!r.done) {
      await letDeviceRecycle();
      r = passes.next();
    }
  } catch (e) {
    // A pass that threw ran its own finally blocks; this only covers a failure between passes.
    passes.return(undefined as T);
    throw e;
  }
  return r.value;
}

/**
 * One turn of the event loop: N-API finalisers queued by the garbage collector run in it (Node runs
 * them from setImmediate), releasing Dawn's bind groups.
 */
export function letDeviceRecycle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
