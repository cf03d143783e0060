import { parentTransport } from './transport';
import { handleMessage, pauseFlag } from './handlers';
import type { WorkerMessage } from '../shared/protocol';

/**
 * Entry of the engine worker: an Electron utility process (utilityProcess.fork) or a Node child
 * process (child_process.fork). Messages are handled one at a time, in order.
 */
const transport = parentTransport();
const send = (m: WorkerMessage) => transport.send(m);
let queue: Promise<unknown> = Promise.resolve();

transport.onMessage((raw) => {
  // A pause must reach a run that is busy executing, so it bypasses the queue; the run checks the flag
  // at its next step boundary. (Steps are synchronous tfjs work; messages arrive between steps because
  // executeRun yields to the event loop after each one.)
  const type = (raw as { type?: unknown })?.type;
  if (type === 'pause') pauseFlag.requested = true;
  if (type === 'stop-run') pauseFlag.stop = true;
  queue = queue.then(async () => {
    if ((await handleMessage(raw, send)) === 'exit') {
      transport.close();
      setImmediate(() => process.exit(0));
    }
  });
});
send({ type: 'ready', pid: process.pid, node: process.versions.node });
