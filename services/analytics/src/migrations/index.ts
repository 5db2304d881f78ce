import { CreatePipelineProbes1732300000100 } from './1732300000100-create-pipeline-probes';

/** Checked-in migrations of the analytics database, in order (the outbox tables come from the runtime). */
export const analyticsMigrations = [CreatePipelineProbes1732300000100];
