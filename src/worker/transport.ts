/**
 * The worker's link to its parent, the same for an Electron utility process (process.parentPort) and a
 * Node child process (process.send / 'message'), so that the worker's code does not care which it is.
 */
export interface Transport {
  send(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
  /** Lets the process exit once the parent link is no longer needed. */
  close(): void;
}

interface ParentPort {
  postMessage(m: unknown): void;
  on(event: 'message', h: (e: { data: unknown }) => void): void;
  removeAllListeners?(event?: string): void;
}

export function parentTransport(): Transport {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (h) => parentPort.on('message', (e) => h(e.data)),
      close: () => parentPort.removeAllListeners?.('message'),
    };
  }
  if (typeof process.send === 'function') {
    return {
      send: (m) => process.send?.(m),
      onMessage: (h) => process.on('message', h),
      close: () => process.disconnect?.(),
    };
  }
  throw new Error(
    'the engine worker must be started by a parent process (utilityProcess.fork or child_process.fork)',
  );
}
