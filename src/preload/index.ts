import { contextBridge, ipcRenderer } from 'electron';
import { IPC, type NasStudioApi } from '../shared/api';

/** The typed bridge: the renderer sees window.nasStudio and nothing of Node or Electron. */
function subscribe<T>(channel: string, listener: (e: T) => void): () => void {
  const handler = (_event: unknown, payload: T) => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => ipcRenderer.removeListener(channel, handler);
}

const api: NasStudioApi = {
  doctor: () => ipcRenderer.invoke(IPC.doctor),
  getSettings: () => ipcRenderer.invoke(IPC.getSettings),
  setSettings: (patch) => ipcRenderer.invoke(IPC.setSettings, patch),
  listRuns: () => ipcRenderer.invoke(IPC.listRuns),
  startRun: (config) => ipcRenderer.invoke(IPC.startRun, config),
  pauseRun: (id) => ipcRenderer.invoke(IPC.pauseRun, id),
  resumeRun: (id) => ipcRenderer.invoke(IPC.resumeRun, id),
  runMetrics: (id) => ipcRenderer.invoke(IPC.runMetrics, id),
  onRunProgress: (listener) => subscribe(IPC.runProgress, listener),
  onRunStatus: (listener) => subscribe(IPC.runStatus, listener),
};

contextBridge.exposeInMainWorld('nasStudio', api);
