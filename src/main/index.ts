import { app, BrowserWindow, dialog, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import Store from 'electron-store';
import { join } from 'node:path';
import {
  CONTENT_SECURITY_POLICY,
  isPermissionAllowed,
  isTrustedSenderUrl,
  secureWebPreferences,
  windowOptions,
} from './security';
import { IPC, SettingsSchema, type Settings } from '../shared/api';
import { DoctorReportSchema } from '../shared/doctor';
import { datasetCache, runsRoot } from '../shared/paths';
import { StudioService, dispatchCall } from '../service/studio';
import { RunManager } from '../runs/manager';
import { requestDoctorReport, workerOperations } from '../worker/requests';
import { launchUtilityWorker } from './utility-worker';

/** Electron main: one secure window, a typed IPC surface, engine work in utility processes. */
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const store = new Store<Settings>({ defaults: SettingsSchema.parse({}) });

function assertTrusted(event: IpcMainInvokeEvent): void {
  const url = event.senderFrame?.url ?? '';
  if (!isTrustedSenderUrl(url, devServerUrl))
    throw new Error(`IPC refused from ${url || 'an unknown frame'}`);
}

let runs: RunManager | null = null;

function createWindow(): void {
  const preload = join(__dirname, '../preload/index.cjs');
  const win = new BrowserWindow({
    ...windowOptions(preload),
    webPreferences: {
      ...secureWebPreferences(preload),
      // Repeated literally so that static scanners (electronegativity) can see them.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  // No new windows and no external links: the app shows no remote content.
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(join(__dirname, '../renderer/index.html'));
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.on('will-navigate', (e) => e.preventDefault());
});

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) =>
    cb(isPermissionAllowed(permission)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => isPermissionAllowed(permission));
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  const manager = new RunManager({
    root: runsRoot(),
    launch: (env) => launchUtilityWorker('nas-studio-run', env),
    maxConcurrent: SettingsSchema.parse(store.store).maxConcurrentRuns,
  });
  runs = manager;
  const service = new StudioService({
    runs: manager,
    // A fresh utility process each time: it reports the backend it can load, with the user's override.
    doctor: async () => {
      const { backend } = SettingsSchema.parse(store.store);
      const report = await requestDoctorReport(launchUtilityWorker('nas-studio-doctor'), {
        backend: backend === 'auto' ? undefined : backend,
      });
      return DoctorReportSchema.parse(report);
    },
    settings: {
      get: () => SettingsSchema.parse(store.store),
      set: (patch) => {
        store.set(SettingsSchema.parse({ ...store.store, ...patch }));
        return SettingsSchema.parse(store.store);
      },
    },
    // Dataset previews, exports and downloads in utility processes: decoding a large archive takes
    // seconds, and this process, which draws the windows, loads no tfjs (test/foundation/main-bundle.test.ts).
    ...workerOperations((name) => launchUtilityWorker(name), datasetCache()),
    choosePath: async () => {
      const r = await dialog.showOpenDialog({
        title: 'Choose a dataset folder or file',
        properties: ['openDirectory', 'openFile'],
      });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    emit: (name, payload) =>
      BrowserWindow.getAllWindows().forEach((w) => w.webContents.send(IPC.event, name, payload)),
  });
  // Every renderer call goes through this one handler: sender checked, method and arguments validated.
  ipcMain.handle(IPC.call, (event, method: unknown, args: unknown) => {
    assertTrusted(event);
    return dispatchCall(service, method, args);
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Quitting pauses every executing run at its next step boundary (a checkpoint) before the app exits,
// waiting at most a minute; a run still busy then is marked interrupted at the next start and resumes
// from its last periodic checkpoint.
let quitting = false;
app.on('before-quit', (event) => {
  const active = runs?.runningIds ?? [];
  if (quitting || !runs || active.length === 0) return;
  event.preventDefault();
  quitting = true;
  const manager = runs;
  const pending = new Set(active);
  const done = () => app.quit();
  const timer = setTimeout(done, 60_000);
  manager.on('status', (id: string) => {
    pending.delete(id);
    if (pending.size === 0) {
      clearTimeout(timer);
      done();
    }
  });
  active.forEach((id) => manager.pause(id));
});
