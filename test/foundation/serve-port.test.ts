import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtFile, root } from './built';

const bin = join(root, 'bin', 'nas-studio.mjs');
const env = { ...process.env, NAS_STUDIO_BACKEND: 'cpu', NAS_STUDIO_DEBUG: '' };

/** `serve` as a user runs it: its output and exit, waiting at most `ms` (a server keeps running). */
function serveOnce(args: string[]) {
  return spawnSync(process.execPath, [bin, 'serve', ...args], {
    cwd: root,
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
}

describe('nas-studio serve on a busy port', () => {
  it("says the port is taken and how to choose another, without a stack, when it is another program's", async () => {
    builtFile('out/node/cli.js');
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const port = (other.address() as { port: number }).port;
    try {
      const r = serveOnce(['--port', String(port), '--runs', mkdtempSync(join(tmpdir(), 'nas-serve-'))]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(
        `nas-studio: port ${port} on 127.0.0.1 is already in use by another program: choose another with --port, or leave --port out for any free one`,
      );
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    } finally {
      other.close();
    }
  });

  it('points to the instance already serving the same runs there', async () => {
    builtFile('out/node/cli.js');
    const runs = mkdtempSync(join(tmpdir(), 'nas-serve-'));
    const first = spawn(process.execPath, [bin, 'serve', '--runs', runs], { cwd: root, env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        first.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
          if (m) resolve(m[0]);
        });
        first.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const port = new URL(url).port;
      const r = serveOnce(['--port', port, '--runs', runs]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`NAS Studio is already serving these runs on port ${port}`);
      expect(r.stderr).toContain(`open ${url}`);
    } finally {
      first.kill('SIGTERM');
    }
  });
});
