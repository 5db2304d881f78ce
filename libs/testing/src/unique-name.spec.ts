import { uniqueName } from './unique-name';

describe('uniqueName', () => {
  it('is unique, lower-case and identifier-safe', () => {
    const a = uniqueName('Outbox Relay-Test');
    const b = uniqueName('Outbox Relay-Test');
    expect(a).not.toEqual(b);
    expect(a).toMatch(/^outbox_relay_test_[a-z0-9]+_[0-9a-f]{8}$/);
  });
});
