import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFolder, MAX_ENTRIES } from '../../src/service/folder-browser';
import { StudioService } from '../../src/service/studio';
import { RunManager } from '../../src/runs/manager';
import { startWebServer, type WebServer } from '../../src/server/web-server';
import { SettingsSchema } from '../../src/shared/api';
import type { DoctorReport } from '../../src/shared/doctor';

/** A pretend home: datasets, a hidden folder, links in and out, and a folder beside it (outside). */
const base = realpathSync(mkdtempSync(join(tmpdir(), 'nas-browse-')));
const home = join(base, 'home');
const outside = join(base, 'elsewhere');
mkdirSync(join(home, 'data', 'cifar-10-batches-bin'), { recursive: true });
mkdirSync(join(home, 'data', 'images', 'cat'), { recursive: true });
mkdirSync(join(home, '.cache', 'nas-studio'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(outside, 'secret.txt'), 'not yours');
writeFileSync(join(home, 'data', 'cifar-10-binary.tar.gz'), '');
writeFileSync(join(home, 'data', 'ptb.train.txt'), 'a b c\n');
writeFileSync(join(home, 'data', 'notes.docx'), '');
symlinkSync(outside, join(home, 'data', 'escape'));
symlinkSync(join(outside, 'secret.txt'), join(home, 'data', 'secret.txt'));
symlinkSync(join(home, 'data', 'images'), join(home, 'pictures'));
symlinkSync(join(home, 'gone'), join(home, 'dangling'));

const names = (path: string | null, hidden = false) =>
  listFolder(home, path, { hidden }).entries.map((e) => `${e.kind}:${e.name}`);

describe('the web folder browser (listFolder)', () => {
  it('lists home: folders first, links that stay inside, hidden entries only when asked', () => {
    const l = listFolder(home, null);
    expect(l.root).toBe(home);
    expect(l.path).toBe(home);
    expect(l.parent).toBeNull();
    expect(names(null)).toEqual(['folder:data', 'folder:pictures']);
    expect(l.entries.find((e) => e.name === 'pictures')).toMatchObject({ link: true, kind: 'folder' });
    expect(names(null, true)).toEqual(['folder:.cache', 'folder:data', 'folder:pictures']);
  });

  it('lists a sub-folder with the dataset files it can open, and its parent', () => {
    const l = listFolder(home, join(home, 'data'));
    expect(l.parent).toBe(home);
    // notes.docx is no dataset; the links `escape` and `secret.txt` point outside home: left out.
    expect(l.entries.map((e) => `${e.kind}:${e.name}`)).toEqual([
      'folder:cifar-10-batches-bin',
      'folder:images',
      'file:cifar-10-binary.tar.gz',
      'file:ptb.train.txt',
    ]);
    expect(l.entries[0].path).toBe(join(home, 'data', 'cifar-10-batches-bin'));
    // A path relative to home, and a folder reached through a link inside home.
    expect(listFolder(home, 'data/images').path).toBe(join(home, 'data', 'images'));
    expect(listFolder(home, join(home, 'pictures')).path).toBe(join(home, 'data', 'images'));
  });

  it('refuses everything outside home: .., absolute paths, links that point out', () => {
    expect(() => listFolder(home, '..')).toThrow(/only folders inside .* can be browsed/);
    expect(() => listFolder(home, join(home, 'data', '..', '..'))).toThrow(/only folders inside/);
    expect(() => listFolder(home, '../elsewhere')).toThrow(/only folders inside/);
    expect(() => listFolder(home, '/')).toThrow(/only folders inside/);
    expect(() => listFolder(home, '/etc')).toThrow(/only folders inside/);
    expect(() => listFolder(home, outside)).toThrow(/only folders inside/);
    expect(() => listFolder(home, join(home, 'data', 'escape'))).toThrow(/through a symbolic link/);
    expect(() => listFolder(home, 'data/escape/')).toThrow(/through a symbolic link/);
    expect(() => listFolder(home, join(home, 'data', 'secret.txt'))).toThrow(/through a symbolic link/);
    expect(() => listFolder(home, 'dangling')).toThrow(/no folder/);
    expect(() => listFolder(home, 'data/ptb.train.txt')).toThrow(/is a file, not a folder/);
    expect(() => listFolder(home, 'data\0/x')).toThrow(/NUL/);
    // A sibling whose name starts like home's is outside too.
    mkdirSync(`${home}-twin`, { recursive: true });
    expect(() => listFolder(home, `${home}-twin`)).toThrow(/only folders inside/);
  });

  it('bounds a listing of a huge folder', () => {
    const big = join(home, 'big');
    mkdirSync(big);
    for (let i = 0; i < MAX_ENTRIES + 5; i++) mkdirSync(join(big, `c${i}`));
    const l = listFolder(home, big);
    expect(l.entries).toHaveLength(MAX_ENTRIES);
    expect(l.truncated).toBe(true);
  });
});

describe('the folder browser through the web server', () => {
  let web: WebServer;
  const service = (browseRoot?: string) =>
    new StudioService({
      runs: new RunManager({
        root: mkdtempSync(join(tmpdir(), 'nas-browse-runs-')),
        launch: () => {
          throw new Error('no runs here');
        },
      }),
      doctor: async () => ({}) as DoctorReport,
      settings: { get: () => SettingsSchema.parse({}), set: () => SettingsSchema.parse({}) },
      previewDataset: () => Promise.reject(new Error('no previews here')),
      probeRun: () => Promise.reject(new Error('no probes here')),
      exportRun: () => Promise.reject(new Error('no exports here')),
      downloadDataset: () => Promise.reject(new Error('no downloads here')),
      emit: () => {},
      browseRoot,
    });
  beforeAll(async () => {
    web = await startWebServer({
      service: service(home),
      events: new EventEmitter(),
      runs: undefined as never,
      staticDir: mkdtempSync(join(tmpdir(), 'nas-browse-static-')),
    });
  });
  afterAll(() => web.close());
  const url = () => `${web.url.split('/?')[0]}/api/call/listFolder`;
  const post = (args: unknown, headers: Record<string, string> = { Authorization: `Bearer ${web.token}` }) =>
    fetch(url(), { method: 'POST', headers, body: JSON.stringify(args) });

  it('lists folders under home for a request with the token', async () => {
    const r = await post([null, false]);
    expect(r.status).toBe(200);
    const { result } = await r.json();
    expect(result.path).toBe(home);
    expect(result.entries.map((e: { name: string }) => e.name)).toContain('data');
  });

  it('requires the token, and refuses paths outside home with a sentence', async () => {
    expect((await post([null, false], {})).status).toBe(401);
    expect((await post([null, false], { Authorization: 'Bearer wrong' })).status).toBe(401);
    for (const p of ['..', '/etc', outside, join(home, 'data', 'escape')]) {
      const r = await post([p, false]);
      expect(r.status).toBe(400);
      expect((await r.json()).error).toMatch(/only folders inside|symbolic link/);
    }
    const bad = await post([{ path: '/' }, false]);
    expect((await bad.json()).error).toMatch(/bad arguments for listFolder/);
  });

  it('is refused in the desktop app, which has the system dialog', async () => {
    await expect(service(undefined).listFolder(null, false)).rejects.toThrow(/system dialog/);
  });
});
