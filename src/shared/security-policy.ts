/**
 * The Content Security Policy of the app's page, the same for the desktop app (main/security.ts sets
 * it on every response) and web mode (server/web-server.ts sends it with every UI file): the page
 * runs only its own scripts and reaches only its own origin. Neutral ground, so that web mode needs
 * nothing from the Electron shell.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // ECharts and React set inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
