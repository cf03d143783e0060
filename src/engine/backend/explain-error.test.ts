import { describe, expect, it } from 'vitest';
import { chooseBackend } from './choose';
import { explainBackendError } from './explain-error';

describe('explainBackendError', () => {
  it('turns a wasm heap failure into advice, and leaves other errors alone', async () => {
    await chooseBackend({ prefer: 'wasm' });
    const oom = new Error('divide by zero');
    oom.name = 'RuntimeError';
    expect(explainBackendError(oom).message).toMatch(/wasm backend ran out of memory .* reduce batchSize/);
    const other = new Error('shapes do not match');
    expect(explainBackendError(other)).toBe(other);
    await chooseBackend({ prefer: 'cpu' });
    expect(explainBackendError(oom)).toBe(oom);
  });
});
