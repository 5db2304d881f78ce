import { z } from '@brainmesh/config';
import { PROVIDER_TYPES } from './upstream';

/** Field rules shared by create and update of providers. */
export const providerName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'letters, digits, dot, dash and underscore, starting with a letter or digit',
  );
export const providerType = z.enum(PROVIDER_TYPES);
export const baseUrl = z
  .string()
  .trim()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));
export const apiKey = z.string().min(1).max(10_000);
/** Header names that brainmesh sets itself and a provider configuration may not override. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
]);
export const headers = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'a valid HTTP header name')
      .refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), 'reserved header'),
    z
      .string()
      .max(8000)
      .regex(/^[^\r\n]*$/, 'no line breaks'),
  )
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers');
export const apiVersion = z
  .string()
  .trim()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$/, 'like 2024-10-21 or 2025-01-01-preview');
