import { z } from '@brainmesh/config';

/** Field rules shared by create and update of budgets. */
export const budgetScope = z.enum(['tenant', 'api_key']);
export const budgetPeriod = z.enum(['day', 'month']);
export const limitUsd = z.number().positive().max(1_000_000_000);
