import * as tf from '../tf';
import type { SessionSnapshot } from '../search/checkpoint';
import type { NamedTensorState } from '../optim/state';
import type { HostReads } from '../search/host-reads';

/**
 * The tensor half of a training run's checkpoint, shared by the image (session.ts) and the
 * language-model (lm-session.ts) training sessions: the network's variables under `network.`, the
 * optimiser's under `trainer.` — the keys older run folders hold, so they must not change.
 */

/** What both sessions' networks expose: their variables by name. */
interface NamedNetwork {
  namedState(): Array<[string, tf.Variable]>;
}

/** The network's and the trainer's tensors under their checkpoint names (`extra` appended as named). */
export function trainingTensors(
  network: NamedNetwork,
  trainer: Record<string, tf.Tensor>,
  extra: Record<string, tf.Tensor> = {},
): Array<[string, tf.Tensor]> {
  return [
    ...network.namedState().map(([name, v]): [string, tf.Tensor] => [`network.${name}`, v]),
    ...Object.entries(trainer).map(([name, t]): [string, tf.Tensor] => [`trainer.${name}`, t]),
    ...Object.entries(extra),
  ];
}

/**
 * A host-reads program reading named tensors into a checkpoint's layout, all in one read. The values
 * are copied: on the cpu backend a read hands out the backend's own storage.
 */
export function* readSnapshotTensors(
  named: ReadonlyArray<readonly [string, tf.Tensor]>,
): HostReads<SessionSnapshot['tensors']> {
  const values = yield named.map(([, t]) => t);
  const tensors: SessionSnapshot['tensors'] = {};
  named.forEach(([name, t], i) => {
    tensors[name] = { shape: [...t.shape], data: (values[i] as Float32Array).slice() };
  });
  return tensors;
}

/** Assigns the checkpoint's `network.` tensors to the network, refusing a missing or misshapen one. */
export function restoreNetworkTensors(network: NamedNetwork, snap: SessionSnapshot): void {
  for (const [name, v] of network.namedState()) {
    const t = snap.tensors[`network.${name}`];
    if (!t) throw new Error(`the checkpoint lacks the network tensor ${name}`);
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i]))
      throw new Error(`checkpoint tensor ${name} has shape [${t.shape}] but the network's is [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
  }
}

/**
 * Hands `use` the checkpoint's tensors that `rename` names (null leaves a tensor out) as new tensors,
 * and disposes them after: the receivers (an optimiser's setState, HiddenCarry.restore) keep copies.
 */
export function withCheckpointTensors(
  snap: SessionSnapshot,
  rename: (name: string) => string | null,
  use: (tensors: Record<string, tf.Tensor>) => void,
): void {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(snap.tensors)) {
    const as = rename(name);
    if (as !== null) tensors[as] = tf.tensor(t.data, t.shape);
  }
  try {
    use(tensors);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** What both sessions' optimisers expose: their state as named tensors and scalars. */
interface StatefulOptimiser {
  setState(state: NamedTensorState): void;
}

/** Sets the optimiser's state from the checkpoint's `trainer.` tensors and its scalars. */
export function restoreTrainerTensors(trainer: StatefulOptimiser, snap: SessionSnapshot): void {
  const prefix = 'trainer.';
  withCheckpointTensors(
    snap,
    (name) => (name.startsWith(prefix) ? name.slice(prefix.length) : null),
    (tensors) => trainer.setState({ scalars: snap.meta.strategyScalars as never, tensors }),
  );
}
