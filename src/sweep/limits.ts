/** A sweep's limits, in a module of their own so that the command line's help can name them without loading sweeps. */

/**
 * Rows a sweep may have without --max-rows: every row is parsed and checked before any runs (about a millisecond
 * each) and then run in full, and its result is about 2 KB of JSON, so 10,000 rows are seconds of checking and
 * 20 MB of results before the runs' own time. A grid of three --vary of 100 values (1,000,000 rows) is refused.
 */
export const DEFAULT_MAX_ROWS = 10_000;

/**
 * How a sweep result file is read (io/input.ts): a row is about 2 to 3 KB of JSON, so a whole grid of
 * DEFAULT_MAX_ROWS (10,000) rows is about 30 MB; files are limited to 64 MB.
 */
export const SWEEP_RESULT_INPUT = { what: "sweep result", plural: "sweep results", format: "a sweep result is the JSON of esm-sim sweep --format json", maxBytes: 64 * 1024 * 1024 } as const;
