// Public surface of @brainmesh/contracts: the ts-proto output for proto/ (generated into ./gen,
// never edited by hand, gitignored). Regenerate with `npm run proto:generate` or
// `node libs/contracts/scripts/generate.mjs`; build/typecheck/test/lint generate when stale.
//
// One namespace per proto package, named <svc>V<major>, e.g. `authV1.AuthServiceClient`.
export * as commonV1 from './gen/brainmesh/common/v1/service_info';
export * as authV1 from './gen/brainmesh/auth/v1/auth';
export * as airoutingV1 from './gen/brainmesh/airouting/v1/airouting';
export * as knowledgeV1 from './gen/brainmesh/knowledge/v1/knowledge';
export * as orchestratorV1 from './gen/brainmesh/orchestrator/v1/orchestrator';
export * as analyticsV1 from './gen/brainmesh/analytics/v1/analytics';
export * as diagnosticsV1 from './gen/brainmesh/diagnostics/v1/diagnostics';
