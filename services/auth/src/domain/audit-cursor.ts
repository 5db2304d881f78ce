import { AuthError, AuthErrorCode } from './auth-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque page cursor of the audit log: base64url of `v1:<id of the last event returned>`. */
export function encodeAuditCursor(lastId: string): string {
  return Buffer.from(`v1:${lastId}`, 'utf8').toString('base64url');
}

/** The event id a cursor points after; INVALID_ARGUMENT for anything that is not one of ours. */
export function decodeAuditCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,100}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = text.startsWith('v1:') ? text.slice(3) : '';
  if (!UUID.test(id)) throw new AuthError(AuthErrorCode.InvalidArgument, 'The cursor is not valid.');
  return id;
}
