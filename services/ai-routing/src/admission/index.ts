/** Admission of upstream calls against USD budgets and RPM/TPM limits (memory and Redis stores). */
export {
  AdmissionStore,
  SpendLoadError,
  type AdmissionGranted,
  type AdmissionLimits,
  type AdmissionRequest,
  type AdmissionResult,
  type BudgetCheck,
  type BudgetExceeded,
  type RateLimited,
  type Reservation,
  type SettleResult,
  type SpendLoader,
  type ThresholdCrossing,
} from './admission.store';
export { BudgetLeases, type BudgetLeasesOptions, type LeaseThresholdCrossing } from './budget-leases';
export { MemoryAdmissionStore, type MemoryAdmissionStoreOptions } from './memory-admission.repository';
export { RedisAdmissionStore, type RedisAdmissionStoreOptions } from './redis-admission.repository';
