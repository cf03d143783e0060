import * as tf from '../tf';
import type { SearchSession, SessionCounters } from './session';
import { backendReadsSynchronously } from '../backend/webgpu';
import { cacheOnHost } from './host-reads';

/**
 * Everything needed to continue a search exactly: network parameters and BatchNorm statistics,
 * the strategy's tensors and scalars (α, optimizer moments, step counts), the loop counters and RNG,
 * and both data loaders' positions. Tensors are read to host memory so the snapshot can be written
 * while the search goes on.
 */
export interface SessionSnapshot {
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
  meta: {
    counters: SessionCounters;
    strategyScalars: Record<string, unknown>;
    dataPosition: { train: unknown; val: unknown };
    /**
     * The architecture the strategy would return at this step (the space's JSON form) and its text,
     * so that an export needs no tensors (absent in checkpoints written before the space contract).
     */
    genotype?: unknown;
    genotypeText?: string;
  };
}

export function captureSession(s: SearchSession<unknown>): SessionSnapshot {
  const tensors: SessionSnapshot['tensors'] = {};
  const read = (name: string, t: tf.Tensor) => {
    if (t.dtype !== 'float32')
      throw new Error(`checkpoint tensor ${name} has dtype ${t.dtype}; only float32 is stored`);
    // A copy: on the cpu backend dataSync returns the backend's own storage.
    tensors[name] = { shape: [...t.shape], data: (t.dataSync() as Float32Array).slice() };
  };
  for (const [name, v] of s.network.namedState()) read(`network.${name}`, v);
  const st = s.strategy.getState();
  for (const [name, t] of Object.entries(st.tensors)) read(`strategy.${name}`, t);
  const genotype = s.strategy.derive();
  return {
    tensors,
    meta: {
      counters: s.counters(),
      strategyScalars: st.scalars,
      dataPosition: { train: s.data.train.getPosition(), val: s.data.val.getPosition() },
      genotype,
      genotypeText: s.space.toText(genotype),
    },
  };
}

/**
 * captureSession on every backend: on webgpu (no synchronous reads) it first reads every tensor and
 * the strategy's epoch-end values asynchronously, which caches them on the host for captureSession's
 * dataSync (search/host-reads.ts). Elsewhere it is captureSession.
 */
export async function captureSessionAsync(s: SearchSession<unknown>): Promise<SessionSnapshot> {
  if (!backendReadsSynchronously()) {
    await s.prefetchHostReads();
    await cacheOnHost([...s.network.namedState()].map(([, v]) => v));
    await cacheOnHost(Object.values(s.strategy.getState().tensors));
  }
  return captureSession(s);
}

export function restoreSession(s: SearchSession<unknown>, snap: SessionSnapshot): void {
  // A checkpoint written after a rebuild holds that network's tensors: rebuild it first.
  s.restoreNetwork(snap.meta.counters);
  const missing: string[] = [];
  const tensor = (name: string, shape: readonly number[]) => {
    const t = snap.tensors[name];
    if (!t) {
      missing.push(name);
      return null;
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new Error(`checkpoint tensor ${name} has shape [${t.shape}] but the run expects [${shape}]`);
    return tf.tensor(t.data, t.shape);
  };
  for (const [name, v] of s.network.namedState()) {
    const t = tensor(`network.${name}`, v.shape);
    if (t) {
      v.assign(t);
      t.dispose();
    }
  }
  if (missing.length)
    throw new Error(`checkpoint lacks ${missing.length} network tensors, e.g. ${missing[0]}`);
  const stTensors: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(snap.tensors)) {
    if (name.startsWith('strategy.')) stTensors[name.slice('strategy.'.length)] = tf.tensor(t.data, t.shape);
  }
  try {
    s.strategy.setState({ scalars: snap.meta.strategyScalars as never, tensors: stTensors });
  } finally {
    tf.dispose(Object.values(stTensors));
  }
  s.restoreCounters(snap.meta.counters);
  s.data.train.restorePosition(snap.meta.dataPosition.train);
  s.data.val.restorePosition(snap.meta.dataPosition.val);
}
