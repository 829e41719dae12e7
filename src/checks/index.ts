/** Invariant checks over a run's trace: kept apart from the model (which never imports them). */
export { CheckSuite, checkTrace } from "./suite.js";
export { limitsOf, LIMITS_BY_SOURCE, type CheckLimits, type OrderScope } from "./limits.js";
