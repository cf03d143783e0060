import { app, BrowserWindow, ipcMain, session, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import Store from 'electron-store';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY, isTrustedSenderUrl, secureWebPreferences, windowOptions } from './security';
import { IPC, SettingsSchema, type Settings } from '../shared/api';
import { DoctorReportSchema, type DoctorReport } from '../shared/doctor';
import { WorkerMessageSchema } from '../shared/protocol';

/** Electron main: one secure window, a typed IPC surface, engine work in utility processes. */
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const store = new Store<Settings>({ defaults: SettingsSchema.parse({}) });

function assertTrusted(event: IpcMainInvokeEvent): void {
  const url = event.senderFrame?.url ?? '';
  if (!isTrustedSenderUrl(url, devServerUrl)) throw new Error(`IPC refused from ${url || 'an unknown frame'}`);
}

/** Runs the engine worker as a utility process and asks it for the doctor report. */
function doctorFromWorker(): Promise<DoctorReport> {
  return new Promise((resolve, reject) => {
    const child = utilityProcess.fork(join(__dirname, 'worker.js'), [], { serviceName: 'nas-studio-engine' });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('the engine worker did not answer within 60 seconds'));
    }, 60_000);
    child.on('message', (raw: unknown) => {
      const msg = WorkerMessageSchema.safeParse(raw);
      if (!msg.success) return;
      if (msg.data.type === 'ready') child.postMessage({ type: 'info' });
      if (msg.data.type === 'info') {
        clearTimeout(timer);
        child.postMessage({ type: 'stop' });
        resolve(DoctorReportSchema.parse(msg.data.report));
      }
      if (msg.data.type === 'error') {
        clearTimeout(timer);
        child.postMessage({ type: 'stop' });
        reject(new Error(msg.data.message));
      }
    });
  });
}

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
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  ipcMain.handle(IPC.doctor, async (event) => {
    assertTrusted(event);
    return doctorFromWorker();
  });
  ipcMain.handle(IPC.getSettings, (event) => {
    assertTrusted(event);
    return SettingsSchema.parse(store.store);
  });
  ipcMain.handle(IPC.setSettings, (event, raw: unknown) => {
    assertTrusted(event);
    const next = SettingsSchema.partial().parse(raw);
    store.set({ ...store.store, ...next });
    return SettingsSchema.parse(store.store);
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
