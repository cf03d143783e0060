import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { EventEmitter } from 'node:events';
import { RunIdSchema, TRY_IMAGE_MAX_BASE64, type StudioCalls } from '../shared/api';
import { CONTENT_SECURITY_POLICY } from '../shared/security-policy';
import type { RunManager } from '../runs/manager';
import { dispatchCall } from '../service/studio';

/**
 * Web mode (`nas-studio serve`): the same UI and API as the desktop app, for headless GPU boxes,
 * reached through an SSH tunnel. Security as Jupyter does it: bound to 127.0.0.1 only, a random token
 * required on every request (query `token`, header `Authorization: Bearer`, or the HttpOnly cookie set
 * when the tokenised URL is opened), and requests carrying
 * an Origin other than the server's own refused (no cross-site use of the API from another page).
 * Events go one way, server to page, so they travel as server-sent events (`GET /api/events`) rather
 * than a WebSocket: the same token and Origin checks as every other request, the browser's
 * EventSource reconnects by itself, and no socket library or upgrade path to secure separately.
 */
export interface WebServerOptions {
  service: StudioCalls;
  /** Emits ('event', name, payload) for every event the renderer subscribes to. */
  events: EventEmitter;
  /** For serving a run's exported files. */
  runs: RunManager;
  /** Built renderer (out/renderer); static files are served from here. */
  staticDir: string;
  port?: number;
  token?: string;
}

export interface WebServer {
  url: string;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

const COOKIE = 'nas_studio_token';

function cookieToken(req: IncomingMessage): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([0-9a-f]+)`).exec(req.headers.cookie ?? '');
  return m?.[1];
}

function tokenOk(req: IncomingMessage, url: URL, token: string): boolean {
  const given =
    url.searchParams.get('token') ??
    req.headers.authorization?.replace(/^Bearer\s+/i, '') ??
    cookieToken(req) ??
    '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage, limit = 1 << 20): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw Object.assign(new Error('the request body is not valid JSON'), { status: 400 });
  }
}

/** A percent-encoded URL part; a malformed encoding is a 400 with a sentence, not the decoder's "URI malformed". */
function decodeUrlPart(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw Object.assign(new Error(`the URL's percent-encoding is malformed: ${s.slice(0, 200)}`), {
      status: 400,
    });
  }
}

/** Why the server could not listen, in words, with the system's code kept for callers. */
export class ListenError extends Error {
  readonly code?: string;
  constructor(
    readonly port: number,
    cause: NodeJS.ErrnoException,
  ) {
    super(
      cause.code === 'EADDRINUSE'
        ? `port ${port} on 127.0.0.1 is already in use by another program: choose another with --port, or leave --port out for any free one`
        : cause.code === 'EACCES'
          ? `port ${port} on 127.0.0.1 needs privileges this user lacks: choose a port above 1023 with --port`
          : `cannot serve on 127.0.0.1:${port}: ${cause.message}`,
    );
    this.name = 'ListenError';
    this.code = cause.code;
  }
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const events = new Set<ServerResponse>();
  const broadcast = (type: string, data: unknown) => {
    for (const res of events) res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  opts.events.on('event', (name: string, payload: unknown) => broadcast(name, payload));
  let origin = '';

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    try {
      if (req.headers.origin && req.headers.origin !== origin)
        return send(res, 403, { error: 'requests from other origins are refused' });
      if (!tokenOk(req, url, token))
        return send(res, 401, {
          error: 'missing or wrong access token: open the URL printed by nas-studio serve',
        });
      // The page's own assets and API calls then authenticate with an HttpOnly, same-site cookie.
      if (url.searchParams.has('token'))
        res.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      const path = url.pathname;
      const call = /^\/api\/call\/([A-Za-z]+)$/.exec(path);
      if (call && req.method === 'POST') {
        // An image for "try it" travels in its call's body: room for the largest one the API takes
        // (its own check then says it is too large), 1 MiB for every other call.
        const limit = call[1] === 'predictImage' ? TRY_IMAGE_MAX_BASE64 + (64 << 10) : undefined;
        return send(res, 200, {
          result: (await dispatchCall(opts.service, call[1], await readJson(req, limit))) ?? null,
        });
      }
      const exported = /^\/api\/runs\/([^/]+)\/exports\/([A-Za-z0-9._-]+)$/.exec(path);
      if (exported && req.method === 'GET') {
        const id = RunIdSchema.safeParse(decodeUrlPart(exported[1]));
        if (!id.success) return send(res, 400, { error: `not a run id: ${JSON.stringify(exported[1])}` });
        const file = join(opts.runs.dir(id.data).exportsDir, exported[2]);
        if (!existsSync(file))
          return send(res, 404, { error: `no exported file ${exported[2]}: press Export first` });
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Disposition': `attachment; filename="${exported[2]}"`,
        });
        return void createReadStream(file).pipe(res);
      }
      if (path === '/api/events' && req.method === 'GET') {
        res.writeHead(200, {
          'Content-Type': 'text/event-stream',
          'Cache-Control': 'no-store',
          Connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        events.add(res);
        req.on('close', () => events.delete(res));
        return;
      }
      if (path.startsWith('/api/')) return send(res, 404, { error: `no such API: ${req.method} ${path}` });
      // Static UI files, never outside the renderer folder.
      const rel = normalize(decodeUrlPart(path === '/' ? '/index.html' : path)).replace(/^([/\\])+/, '');
      const file = join(opts.staticDir, rel);
      if (!file.startsWith(opts.staticDir + sep) || !existsSync(file) || !statSync(file).isFile())
        return send(res, 404, { error: 'not found' });
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      });
      createReadStream(file).pipe(res);
    } catch (e) {
      const status = (e as { status?: number }).status ?? 400;
      send(res, status, { error: (e as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    // A port that is taken (or not ours to take) is a sentence for the user, not an unhandled 'error'.
    server.once('error', (e: NodeJS.ErrnoException) => reject(new ListenError(opts.port ?? 0, e)));
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of events) r.end();
        server.close(() => resolve());
      }),
  };
}
