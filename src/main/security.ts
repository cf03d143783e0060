/**
 * The Electron security policy, as data, importable without Electron so that tests can assert it.
 * (Electron's checklist: contextIsolation, sandbox, no nodeIntegration, a strict CSP, no navigation,
 * no new windows, no permissions but writing to the clipboard, IPC only from our own page.) The CSP
 * is shared with web mode, so it lives in src/shared; it is re-exported here with the rest of the policy.
 */
export { CONTENT_SECURITY_POLICY } from '../shared/security-policy';

/** The one permission the page may use: the wizard's "Copy" writes the config JSON to the clipboard. */
export function isPermissionAllowed(permission: string): boolean {
  return permission === 'clipboard-sanitized-write';
}

export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
    // Middle-click would open links in new windows.
    disableBlinkFeatures: 'Auxclick',
  } as const;
}

export function windowOptions(preloadPath: string) {
  return {
    width: 1280,
    height: 840,
    show: false,
    title: 'NAS Studio',
    backgroundColor: '#10141b',
    webPreferences: secureWebPreferences(preloadPath),
  };
}

/** Only our own bundled page (file://…/out/renderer/index.html) or the dev server may talk to main. */
export function isTrustedSenderUrl(url: string, devServerUrl?: string): boolean {
  try {
    const u = new URL(url);
    if (devServerUrl && u.origin === new URL(devServerUrl).origin) return true;
    return u.protocol === 'file:' && u.pathname.endsWith('/renderer/index.html');
  } catch {
    return false;
  }
}
