import { z } from 'zod';

/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written without
 * dependencies:
 *
 *   [8 bytes: header length N, unsigned little-endian]
 *   [N bytes: UTF-8 JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 *              "__metadata__": {string: string}} (optional), padded with spaces]
 *   [data: little-endian tensors; offsets are relative to the start of this block]
 *
 * Writes: F32, F64, I32, U8. Reads: those plus F16 and BF16 (widened to Float32Array) and I64 (as
 * Float64Array, refused where a value is beyond 2^53). Decoding validates everything the spec asks:
 * sizes, offsets inside the data block, no overlap, no holes.
 */

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8';
export type TensorArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface SafetensorsTensor {
  /** The dtype stored in the file (F16/BF16 data come back widened to Float32Array, I64 as Float64Array). */
  dtype: SafetensorsDType;
  shape: number[];
  data: TensorArray;
}

export interface SafetensorsContents {
  /** Tensors in file order (ascending data offset). */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A tensor to write; its dtype follows the array type (Float32Array -> F32, ...). */
export interface SafetensorsInput {
  shape: readonly number[];
  data: TensorArray;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

const BYTES_PER_ELEMENT: Record<SafetensorsDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  U8: 1,
};
const METADATA_KEY = '__metadata__';
/** The reference implementation's limit; a larger header is a corrupt or hostile file. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDType(s: string): s is SafetensorsDType {
  return Object.prototype.hasOwnProperty.call(BYTES_PER_ELEMENT, s);
}

function dtypeOf(data: TensorArray): SafetensorsDType {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Uint8Array) return 'U8';
  throw new SafetensorsError('tensor data must be a Float32Array, Float64Array, Int32Array or Uint8Array');
}

function elementCount(shape: readonly number[], name: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new SafetensorsError(`tensor '${name}' has a bad dimension ${d}`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new SafetensorsError(`tensor '${name}' is too large`);
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Encoding

/**
 * Serialises named tensors. Data blocks are ordered by element size (widest first, otherwise in the
 * given order) and the header is padded to 8 bytes, so every tensor starts aligned to its element size.
 */
export function encodeSafetensors(
  tensors: Map<string, SafetensorsInput> | Record<string, SafetensorsInput>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string')
      throw new SafetensorsError(`metadata '${key}' must be a string, got ${typeof value}`);
  }
  const prepared = entries.map(([name, t], order) => {
    if (name === '' || name === METADATA_KEY) throw new SafetensorsError(`'${name}' cannot name a tensor`);
    const dtype = dtypeOf(t.data);
    const n = elementCount(t.shape, name);
    if (t.data.length !== n) {
      throw new SafetensorsError(
        `tensor '${name}' has ${t.data.length} values for shape [${t.shape}] (${n} expected)`,
      );
    }
    return { name, dtype, shape: [...t.shape], data: t.data, order };
  });
  prepared.sort((a, b) => BYTES_PER_ELEMENT[b.dtype] - BYTES_PER_ELEMENT[a.dtype] || a.order - b.order);

  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const t of prepared) {
    const end = offset + t.data.byteLength;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);

  let at = 8 + headerLen;
  for (const t of prepared) {
    writeLittleEndian(view, at, t.data);
    at += t.data.byteLength;
  }
  return out;
}

function writeLittleEndian(view: DataView, at: number, data: TensorArray): void {
  if (LITTLE_ENDIAN_HOST || data instanceof Uint8Array) {
    new Uint8Array(view.buffer, view.byteOffset + at, data.byteLength).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    return;
  }
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(at + i * size, data[i], true);
    else if (data instanceof Float64Array) view.setFloat64(at + i * size, data[i], true);
    else view.setInt32(at + i * size, data[i], true);
  }
}

// ---------------------------------------------------------------------------------------------------
// Decoding

const HeaderEntrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

/** Parses and validates a safetensors file; every problem is reported as a SafetensorsError. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (bytes.length < 8)
    throw new SafetensorsError(`file is truncated: ${bytes.length} bytes, the header length alone needs 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLenBig = view.getBigUint64(0, true);
  if (headerLenBig > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(
      `file is truncated: the header claims ${headerLenBig} bytes, but only ${bytes.length - 8} follow`,
    );
  }
  const headerLen = Number(headerLenBig);
  if (headerLen > MAX_HEADER_BYTES)
    throw new SafetensorsError(`header of ${headerLen} bytes exceeds the 100 MB limit`);

  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  if (!headerText.startsWith('{'))
    throw new SafetensorsError("header must be a JSON object starting with '{'");
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError('header must be a JSON object');
  }

  const metadata = readMetadata((header as Record<string, unknown>)[METADATA_KEY]);
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  const layout: Array<{
    name: string;
    dtype: SafetensorsDType;
    shape: number[];
    begin: number;
    end: number;
  }> = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) continue;
    const r = HeaderEntrySchema.safeParse(raw);
    if (!r.success) {
      const issues = r.error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`).join('; ');
      throw new SafetensorsError(`bad header entry for tensor '${name}': ${issues}`);
    }
    const {
      dtype,
      shape,
      data_offsets: [begin, end],
    } = r.data;
    if (!isDType(dtype)) {
      throw new SafetensorsError(
        `tensor '${name}' has dtype ${dtype}, which is not supported (supported: ${Object.keys(BYTES_PER_ELEMENT).join(', ')})`,
      );
    }
    if (begin > end)
      throw new SafetensorsError(`tensor '${name}' has data_offsets [${begin}, ${end}] with begin > end`);
    if (end > dataLen) {
      throw new SafetensorsError(
        `tensor '${name}' has data_offsets [${begin}, ${end}] outside the ${dataLen}-byte data block (file truncated?)`,
      );
    }
    const expected = elementCount(shape, name) * BYTES_PER_ELEMENT[dtype];
    if (end - begin !== expected) {
      throw new SafetensorsError(
        `tensor '${name}' spans ${end - begin} bytes, but ${dtype} of shape [${shape}] needs ${expected}`,
      );
    }
    layout.push({ name, dtype, shape, begin, end });
  }

  // The spec requires the tensors to tile the data block exactly: no overlaps, no holes, no tail.
  layout.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev: (typeof layout)[number] | undefined;
  for (const t of layout) {
    if (prev && t.begin < covered) {
      throw new SafetensorsError(
        `tensor '${t.name}' [${t.begin}, ${t.end}) overlaps tensor '${prev.name}' [${prev.begin}, ${prev.end})`,
      );
    }
    if (t.begin > covered)
      throw new SafetensorsError(`data bytes [${covered}, ${t.begin}) belong to no tensor`);
    covered = t.end;
    prev = t;
  }
  if (covered !== dataLen)
    throw new SafetensorsError(`data bytes [${covered}, ${dataLen}) belong to no tensor`);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const t of layout) {
    tensors.set(t.name, {
      dtype: t.dtype,
      shape: t.shape,
      data: readData(bytes.subarray(dataStart + t.begin, dataStart + t.end), t.dtype, t.name),
    });
  }
  return { tensors, metadata };
}

function readMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError('__metadata__ must be an object of strings');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string')
      throw new SafetensorsError(`__metadata__ '${k}' must be a string, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

/** Copies one tensor's bytes out of the file into a fresh, aligned typed array. */
function readData(raw: Uint8Array, dtype: SafetensorsDType, name: string): TensorArray {
  const n = raw.length / BYTES_PER_ELEMENT[dtype];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  // A copy of exactly these bytes (Node Buffers share a larger ArrayBuffer and their slice() is a view).
  const copy = () => new Uint8Array(raw).buffer;
  switch (dtype) {
    case 'U8':
      return raw.slice();
    case 'F32':
      if (LITTLE_ENDIAN_HOST) return new Float32Array(copy());
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
    case 'F64':
      if (LITTLE_ENDIAN_HOST) return new Float64Array(copy());
      return Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, true));
    case 'I32':
      if (LITTLE_ENDIAN_HOST) return new Int32Array(copy());
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true));
    case 'F16':
      return Float32Array.from({ length: n }, (_, i) => halfToFloat(view.getUint16(2 * i, true)));
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new SafetensorsError(
            `tensor '${name}' holds the I64 value ${v}, which a JavaScript number cannot hold exactly`,
          );
        }
        out[i] = Number(v);
      }
      return out;
    }
  }
}

/** IEEE 754 binary16 -> number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
