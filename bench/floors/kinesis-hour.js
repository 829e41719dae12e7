// Floor of bench/scenarios/kinesis-hour.yaml: kinesis-steady's floor (kinesis-steady.js, which says what it does and
// assumes) for a whole virtual hour, 57,600,000 records.
import { streamFloor } from "./kinesis-steady.js";

/** The workload of bench/scenarios/kinesis-hour.yaml; test/bench-floors.test.ts checks these against the file. */
export const PARAMS = {
  scenario: "kinesis-hour.yaml",
  shards: 16,
  ratePerS: 16_000,
  fromS: 0,
  toS: 3_600,
  keys: 1_000,
  batchSize: 100,
  functionBaseUs: 20_000,
  functionPerRecordUs: 50,
};

export function run({ untilS } = {}) {
  return streamFloor(PARAMS, untilS);
}
