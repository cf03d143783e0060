// Regenerates src/engine/export/onnx/onnx-descriptor.json (protobufjs's JSON form of the official
// onnx.proto3 vendored beside it), so that the exporter needs no .proto parser or file at run time.
// Run after updating onnx.proto3: node scripts/gen-onnx-descriptor.mjs. A test checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'engine', 'export', 'onnx');
const text = readFileSync(join(dir, 'onnx.proto3'), 'utf8');
const root = protobuf.parse(text, { keepCase: true }).root;
writeFileSync(join(dir, 'onnx-descriptor.json'), `${JSON.stringify(root.toJSON(), null, 1)}\n`);
