/** esm-sim's version, printed in every report (kept in step with package.json by a test). */
export const VERSION = "0.2.0";

/**
 * The JSON report's format version, its first field. Raised only by a change that could make a reader of the
 * previous format misread a report: a field removed or renamed, a field's type, unit or meaning changed, or a
 * field that was always there left out of some reports. New fields, sections and values do not raise it
 * (docs/reports.md).
 */
export const REPORT_SCHEMA_VERSION = 1;
