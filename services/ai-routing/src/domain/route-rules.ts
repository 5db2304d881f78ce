import { z } from '@brainmesh/config';
import type { StoredDeployment } from '../entities/route.entity';
import { ROUTE_KINDS, ROUTE_STRATEGIES } from './route';

/** Field rules shared by create and update of routes (proto zero values mean "default"). */
export const routeModel = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\s]+$/, 'no whitespace');
export const strategy = z.enum(ROUTE_STRATEGIES);
export const kind = z.preprocess((v) => (v === '' || v === undefined ? 'chat' : v), z.enum(ROUTE_KINDS));
const nonNegInt = (max: number) => z.number().int().min(0).max(max);
export const limits = {
  cacheTtlS: nonNegInt(7 * 24 * 3600),
  rpmPerKey: nonNegInt(10_000_000),
  tpmPerKey: nonNegInt(1_000_000_000),
  rpm: nonNegInt(10_000_000),
  tpm: nonNegInt(1_000_000_000),
};
const price = z.number().min(0).max(100_000);

export const deployment = z.object({
  providerId: z.string().uuid(),
  model: z.string().trim().min(1).max(200),
  priority: nonNegInt(1000).default(0),
  weight: nonNegInt(1_000_000).default(1),
  timeoutMs: nonNegInt(3_600_000).default(0),
  maxRetries: nonNegInt(10).default(0),
  inputPricePerMtok: price.optional(),
  outputPricePerMtok: price.optional(),
  contextWindow: nonNegInt(100_000_000).default(0),
});
export const deployments = z.array(deployment).min(1, 'at least one deployment').max(16);

export function toStoredDeployments(list: z.output<typeof deployments>): StoredDeployment[] {
  return list.map((d) => ({
    provider_id: d.providerId,
    model: d.model,
    priority: d.priority,
    weight: d.weight,
    timeout_ms: d.timeoutMs,
    max_retries: d.maxRetries,
    input_price_per_mtok: d.inputPricePerMtok ?? null,
    output_price_per_mtok: d.outputPricePerMtok ?? null,
    context_window: d.contextWindow,
  }));
}
