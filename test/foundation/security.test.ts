import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  isPermissionAllowed,
  isTrustedSenderUrl,
  windowOptions,
} from '../../src/main/security';
import { root } from './built';

describe('Electron security policy (no Electron binary needed)', () => {
  it('window options isolate the renderer', () => {
    const w = windowOptions('/app/out/preload/index.cjs').webPreferences;
    expect(w.contextIsolation).toBe(true);
    expect(w.sandbox).toBe(true);
    expect(w.nodeIntegration).toBe(false);
    expect(w.nodeIntegrationInWorker).toBe(false);
    expect(w.webSecurity).toBe(true);
    expect(w.allowRunningInsecureContent).toBe(false);
    expect(w.webviewTag).toBe(false);
  });

  it('the CSP allows only our own scripts and no remote content', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
    const html = readFileSync(join(root, 'src/renderer/index.html'), 'utf8');
    expect(html).toContain("script-src 'self'");
    expect(html).not.toMatch(/unsafe-eval/);
  });

  it('IPC is accepted only from our page', () => {
    expect(isTrustedSenderUrl('file:///opt/nas/out/renderer/index.html')).toBe(true);
    expect(isTrustedSenderUrl('https://evil.example/renderer/index.html')).toBe(false);
    expect(isTrustedSenderUrl('file:///tmp/other.html')).toBe(false);
    expect(isTrustedSenderUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSenderUrl('not a url')).toBe(false);
  });

  it('grants no permission but clipboard writing', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write')).toBe(true);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen'])
      expect(isPermissionAllowed(p)).toBe(false);
  });

  it('main registers no IPC handler without the sender check', () => {
    const src = readFileSync(join(root, 'src/main/index.ts'), 'utf8');
    const handlers = src.match(/ipcMain\.handle\(/g)?.length ?? 0;
    const checks = src.match(/assertTrusted\(event\)/g)?.length ?? 0;
    expect(handlers).toBeGreaterThan(0);
    expect(checks).toBe(handlers);
    expect(src).not.toMatch(/nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false/);
  });
});
