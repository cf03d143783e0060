import type {
  NasStudioApi,
  StudioBridge,
  StudioCalls,
  StudioEventName,
  StudioMethod,
} from '../../shared/api';
import { API_ARGS } from '../../shared/api';

declare global {
  interface Window {
    nasStudioBridge?: StudioBridge;
  }
}

/**
 * The bridge over HTTP for web mode (`nas-studio serve`): the access token comes from the page's URL
 * (then an HttpOnly cookie) and goes with every request; events arrive as server-sent events.
 */
function httpBridge(token: string): StudioBridge {
  let source: EventSource | null = null;
  return {
    async call(method, args) {
      const res = await fetch(`/api/call/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(args),
      });
      const data = await res.json();
      if (!res.ok) throw new Error(data.error ?? `request failed (${res.status})`);
      return data.result;
    },
    on(event, listener) {
      source ??= new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
      const handler = (e: MessageEvent) => listener(JSON.parse(e.data));
      source.addEventListener(event, handler as EventListener);
      return () => source?.removeEventListener(event, handler as EventListener);
    },
  };
}

/** The typed API over either bridge: one method per entry of API_ARGS, so nothing can drift. */
export function makeApi(bridge: StudioBridge, web: boolean): NasStudioApi {
  const calls = Object.fromEntries(
    (Object.keys(API_ARGS) as StudioMethod[]).map((m) => [m, (...args: unknown[]) => bridge.call(m, args)]),
  ) as unknown as StudioCalls;
  return {
    ...calls,
    on: (event: StudioEventName, listener: (e: never) => void) =>
      bridge.on(event, listener as (p: unknown) => void),
    desktop: !web,
    exportUrl: (id, file) =>
      web ? `/api/runs/${encodeURIComponent(id)}/exports/${encodeURIComponent(file)}` : null,
  } as NasStudioApi;
}

let cached: NasStudioApi | null = null;

/** The typed API: the preload bridge in Electron, HTTP in web mode. */
export function api(): NasStudioApi {
  if (!cached) {
    const bridge = window.nasStudioBridge;
    cached = bridge
      ? makeApi(bridge, false)
      : makeApi(httpBridge(new URLSearchParams(window.location.search).get('token') ?? ''), true);
  }
  return cached;
}
