import type { NasStudioApi } from '../../shared/api';

declare global {
  interface Window {
    nasStudio?: NasStudioApi;
  }
}

/** The typed API (preload bridge in Electron); a clear error where it is missing. */
export function api(): NasStudioApi {
  if (!window.nasStudio) throw new Error('NAS Studio API unavailable: open the app through Electron or web mode');
  return window.nasStudio;
}
