import { contextBridge, ipcRenderer } from 'electron';
import { IPC, type StudioBridge } from '../shared/api';

/**
 * The bridge: the renderer sees window.nasStudioBridge (one call function, one event subscription)
 * and nothing of Node or Electron. Main validates every method name and argument list.
 */
const bridge: StudioBridge = {
  call: (method, args) => ipcRenderer.invoke(IPC.call, method, args),
  on: (event, listener) => {
    const handler = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(IPC.event, handler);
    return () => ipcRenderer.removeListener(IPC.event, handler);
  },
};

contextBridge.exposeInMainWorld('nasStudioBridge', bridge);
