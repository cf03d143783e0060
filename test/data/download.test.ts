import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFile } from '../../src/engine/data/download';

const body = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7) % 256));
const md5 = createHash('md5').update(body).digest('hex');
const ranges: string[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  // A local file server on loopback only, honouring Range like a real one.
  server = createServer((req, res) => {
    const range = req.headers.range;
    if (range) ranges.push(range);
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (req.url === '/missing') {
      res.writeHead(404).end();
    } else if (m) {
      const from = Number(m[1]);
      res.writeHead(206, {
        'Content-Length': body.length - from,
        'Content-Range': `bytes ${from}-${body.length - 1}/${body.length}`,
      });
      res.end(body.subarray(from));
    } else {
      res.writeHead(200, { 'Content-Length': body.length });
      res.end(body);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('downloadFile', () => {
  it('downloads with progress and verifies the checksum', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'dl-')), 'f.bin');
    const seen: number[] = [];
    await downloadFile(`${base}/f.bin`, dest, md5, (p) => seen.push(p.received));
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(seen.at(-1)).toBe(body.length);
  });

  it('resumes a partial download with a Range request', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'dl-')), 'f.bin');
    writeFileSync(`${dest}.part`, body.subarray(0, 20_000));
    ranges.length = 0;
    await downloadFile(`${base}/f.bin`, dest, md5);
    expect(ranges).toEqual(['bytes=20000-']);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('a checksum mismatch removes the partial file and says so', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'dl-')), 'f.bin');
    await expect(downloadFile(`${base}/f.bin`, dest, '0'.repeat(32))).rejects.toThrow(
      /checksum mismatch .* expected MD5 0{32}, got [0-9a-f]{32}/,
    );
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('HTTP errors and unreachable hosts give a sentence with what to do', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'dl-')), 'f.bin');
    await expect(downloadFile(`${base}/missing`, dest, md5)).rejects.toThrow(/failed with HTTP 404/);
    await expect(downloadFile('http://127.0.0.1:1/x', dest, md5)).rejects.toThrow(
      /could not download .* put it at .*f\.bin/,
    );
  });
});
