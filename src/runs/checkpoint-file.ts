import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionSnapshot } from '../engine/search/checkpoint';
import { writeFileAtomic } from './atomic';

/**
 * Checkpoint file: safetensors-style layout (8-byte little-endian header length, JSON header, raw
 * little-endian float32 data), with the search state's JSON in the header and a SHA-256 of header
 * and data so that a torn or corrupted file is detected rather than loaded.
 */
const MAGIC = 'nas-studio.checkpoint.v1';

interface Header {
  magic: string;
  step: number;
  /** Lines of metrics.jsonl written when the checkpoint was taken (resume truncates to it). */
  metricsLines: number;
  meta: SessionSnapshot['meta'];
  tensors: Record<string, { shape: number[]; offset: number; length: number }>;
  sha256: string;
}

export function encodeCheckpoint(snap: SessionSnapshot, step: number, metricsLines: number): Uint8Array {
  const tensors: Header['tensors'] = {};
  let offset = 0;
  const names = Object.keys(snap.tensors).sort();
  for (const name of names) {
    const t = snap.tensors[name];
    tensors[name] = { shape: t.shape, offset, length: t.data.length };
    offset += t.data.length * 4;
  }
  const data = new Uint8Array(offset);
  for (const name of names) {
    const t = snap.tensors[name];
    data.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), tensors[name].offset);
  }
  const body = { magic: MAGIC, step, metricsLines, meta: snap.meta, tensors };
  const sha256 = digest(JSON.stringify(body), data);
  const header = Buffer.from(JSON.stringify({ ...body, sha256 } satisfies Header), 'utf8');
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

function digest(headerJson: string, data: Uint8Array): string {
  return createHash('sha256').update(headerJson).update(data).digest('hex');
}

export function decodeCheckpoint(
  bytes: Uint8Array,
  file: string,
): { snap: SessionSnapshot; step: number; metricsLines: number } {
  const fail = (why: string): never => {
    throw new Error(`checkpoint ${file} is unusable: ${why}`);
  };
  if (bytes.length < 8) fail('file too short');
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + hlen > bytes.length) fail('truncated header');
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + hlen)).toString('utf8'));
  } catch {
    return fail('damaged header');
  }
  if (header.magic !== MAGIC) fail('not a NAS Studio checkpoint');
  const data = bytes.subarray(8 + hlen);
  const { sha256, ...body } = header;
  if (digest(JSON.stringify(body), data) !== sha256) fail('checksum mismatch (truncated or corrupted)');
  const tensors: SessionSnapshot['tensors'] = {};
  for (const [name, t] of Object.entries(header.tensors)) {
    // Copy into a fresh, aligned buffer (a Buffer's slice shares memory at any byte offset).
    const copy = new Uint8Array(t.length * 4);
    copy.set(data.subarray(t.offset, t.offset + t.length * 4));
    tensors[name] = { shape: t.shape, data: new Float32Array(copy.buffer) };
  }
  return { snap: { tensors, meta: header.meta }, step: header.step, metricsLines: header.metricsLines };
}

const NAME = /^step-(\d{9})\.ckpt$/;

/** Checkpoint files of a run, newest first. */
export function listCheckpoints(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => NAME.test(f))
    .sort()
    .reverse()
    .map((f) => join(dir, f));
}

/** Writes a checkpoint atomically and keeps only the newest `keep` of them. */
export function saveCheckpoint(
  dir: string,
  snap: SessionSnapshot,
  step: number,
  metricsLines: number,
  keep = 2,
): string {
  const file = join(dir, `step-${String(step).padStart(9, '0')}.ckpt`);
  writeFileAtomic(file, encodeCheckpoint(snap, step, metricsLines));
  for (const old of listCheckpoints(dir).slice(keep)) unlinkSync(old);
  return file;
}

/**
 * The newest checkpoint that decodes and passes its checksum; damaged newer ones are reported in
 * `warnings` (and left in place for inspection). Null when there is none; throws when all are damaged.
 */
export function loadLatestCheckpoint(
  dir: string,
): { snap: SessionSnapshot; step: number; metricsLines: number; file: string; warnings: string[] } | null {
  const warnings: string[] = [];
  for (const file of listCheckpoints(dir)) {
    try {
      return { ...decodeCheckpoint(readFileSync(file), file), file, warnings };
    } catch (e) {
      warnings.push(`${(e as Error).message}; using an older checkpoint`);
    }
  }
  if (warnings.length) throw new Error(`no usable checkpoint in ${dir}: ${warnings.join('; ')}`);
  return null;
}
