import { WaitForTimeoutError, waitFor } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 })).resolves.toBe(3);
  });

  it('treats a throwing predicate as not yet and reports the last error on timeout', async () => {
    const attempt = waitFor(
      () => {
        throw new Error('not ready');
      },
      { timeoutMs: 30, intervalMs: 5, description: 'the widget' },
    );
    await expect(attempt).rejects.toThrow(WaitForTimeoutError);
    await expect(
      waitFor(() => false, { timeoutMs: 20, intervalMs: 5, description: 'the widget' }),
    ).rejects.toThrow(/Timed out after 20 ms waiting for the widget \(last value: false\)/);
  });

  it('includes the last error message', async () => {
    await expect(
      waitFor(
        async () => {
          throw new Error('boom');
        },
        { timeoutMs: 10, intervalMs: 2 },
      ),
    ).rejects.toThrow(/last error: boom/);
  });
});
