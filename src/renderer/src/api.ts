import type { NasStudioApi, RunProgressEvent } from '../../shared/api';

declare global {
  interface Window {
    nasStudio?: NasStudioApi;
  }
}

/**
 * The same typed API over HTTP for web mode (`nas-studio serve`): the access token comes from the
 * page's URL and goes with every request; events arrive as server-sent events.
 */
function httpApi(): NasStudioApi {
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const call = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json();
    if (!res.ok) throw new Error(data.error ?? `request failed (${res.status})`);
    return data as T;
  };
  let source: EventSource | null = null;
  const listen = <T,>(type: string, listener: (e: T) => void) => {
    source ??= new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    const handler = (e: MessageEvent) => listener(JSON.parse(e.data) as T);
    source.addEventListener(type, handler as EventListener);
    return () => source?.removeEventListener(type, handler as EventListener);
  };
  return {
    doctor: () => call('GET', '/api/doctor'),
    getSettings: async () => ({ backend: 'auto', maxConcurrentRuns: 1 }),
    setSettings: async () => {
      throw new Error('settings are changed on the server in web mode');
    },
    listRuns: () => call('GET', '/api/runs'),
    startRun: async (config) => (await call<{ id: string }>('POST', '/api/runs', config)).id,
    pauseRun: async (id) => void (await call('POST', `/api/runs/${encodeURIComponent(id)}/pause`)),
    resumeRun: async (id) => void (await call('POST', `/api/runs/${encodeURIComponent(id)}/resume`)),
    runMetrics: (id) => call('GET', `/api/runs/${encodeURIComponent(id)}/metrics`),
    onRunProgress: (l) => listen<RunProgressEvent>('progress', l),
    onRunStatus: (l) => listen<{ id: string; status: string }>('status', l),
  };
}

let cached: NasStudioApi | null = null;

/** The typed API: the preload bridge in Electron, HTTP in web mode. */
export function api(): NasStudioApi {
  cached ??= window.nasStudio ?? httpApi();
  return cached;
}
