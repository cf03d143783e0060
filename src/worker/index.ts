import { parentTransport } from './transport';
import { handleMessage } from './handlers';
import type { WorkerMessage } from '../shared/protocol';

/**
 * Entry of the engine worker: an Electron utility process (utilityProcess.fork) or a Node child
 * process (child_process.fork). Messages are handled one at a time, in order.
 */
const transport = parentTransport();
const send = (m: WorkerMessage) => transport.send(m);
let queue: Promise<unknown> = Promise.resolve();

transport.onMessage((raw) => {
  queue = queue.then(async () => {
    if ((await handleMessage(raw, send)) === 'exit') {
      transport.close();
      setImmediate(() => process.exit(0));
    }
  });
});
send({ type: 'ready', pid: process.pid, node: process.versions.node });
