import { v7 as uuidv7 } from 'uuid';
import { EventValidationError, decodeEnvelope, parseEnvelope } from './envelope';

const valid = {
  id: uuidv7(),
  type: 'diagnostics.probe',
  version: 1,
  tenantId: 't1',
  occurredAt: new Date().toISOString(),
  key: 't1',
  data: { anything: true },
};

describe('envelope', () => {
  it('parses a valid envelope, data untouched', () => {
    expect(parseEnvelope(valid)).toEqual(valid);
  });

  it.each([
    ['id', 'not-a-uuid'],
    ['version', 0],
    ['version', 1.5],
    ['tenantId', ''],
    ['occurredAt', 'yesterday'],
    ['key', ''],
  ])('rejects a bad %s', (field, value) => {
    expect(() => parseEnvelope({ ...valid, [field]: value })).toThrow(EventValidationError);
  });

  it('rejects a missing type', () => {
    const { type: _type, ...rest } = valid;
    expect(() => parseEnvelope(rest)).toThrow(/invalid event envelope/);
  });

  it('decodes JSON buffers and reports non-JSON', () => {
    expect(decodeEnvelope(Buffer.from(JSON.stringify(valid)))).toEqual(valid);
    expect(() => decodeEnvelope(Buffer.from('{nope'))).toThrow(/not JSON/);
    expect(() => decodeEnvelope(null)).toThrow(/empty event message/);
  });
});
