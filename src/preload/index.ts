import { contextBridge, ipcRenderer } from 'electron';
import { IPC, type NasStudioApi } from '../shared/api';

/** The typed bridge: the renderer sees window.nasStudio and nothing of Node or Electron. */
const api: NasStudioApi = {
  doctor: () => ipcRenderer.invoke(IPC.doctor),
  getSettings: () => ipcRenderer.invoke(IPC.getSettings),
  setSettings: (patch) => ipcRenderer.invoke(IPC.setSettings, patch),
};

contextBridge.exposeInMainWorld('nasStudio', api);
