import { describe, expect, it } from "vitest";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, scratch } from "./cli-helpers.js";

// `init --from` and `run --template` take a Terraform configuration (a folder of .tf files, or one .tf file for
// its folder), a Terraform plan or state, and a serverless.yml, as they take CloudFormation.
const config = "test/fixtures/terraform/config";

describe("a Terraform configuration from the command line", () => {
  it("writes one scenario per mapping from a folder, with the Terraform address in its provenance comments", async () => {
    const s = scratch("esm-tf-");
    const r = await cli("init", "--from", config, "--out-dir", s.dir);
    expect(r.code).toBe(0);
    const files = readdirSync(s.dir).sort();
    expect(files).toEqual(["aws_lambda_event_source_mapping.audit-0.yaml", "aws_lambda_event_source_mapping.clicks.yaml", "module.orders.aws_lambda_event_source_mapping.this.yaml"]);
    expect(readFileSync(join(s.dir, files[2]), "utf8")).toContain("# from module.orders.aws_sqs_queue.this.visibility_timeout_seconds");
  });

  it("reads the folder of a .tf file named on its own", async () => {
    const s = scratch("esm-tf-");
    const r = await cli("init", "--from", join(config, "main.tf"), "--out-dir", s.dir, "--resource", "aws_lambda_event_source_mapping.clicks", "--parameter", "clicks_window=30");
    expect(r.code).toBe(0);
    expect(readdirSync(s.dir)).toEqual(["aws_lambda_event_source_mapping.clicks.yaml"]);
  });

  it("runs a mapping of a configuration with a traffic file", async () => {
    const s = scratch("esm-tf-");
    const traffic = s.write("traffic.yaml", "traffic:\n  - { rate: 50/s, from: 0s, to: 20s }\n");
    const r = await cli("run", "--template", config, "--traffic", traffic, "--resource", "module.orders.aws_lambda_event_source_mapping.this", "--format", "json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.records.produced).toBe(1000);
    // the module's mapping has FilterCriteria that these records (no body fields) do not match
    expect(report.records.filtered).toBe(1000);
  });

  it("names a line and column of HCL that does not parse, with exit 2", async () => {
    const s = scratch("esm-tf-");
    s.write("main.tf", 'resource "aws_sqs_queue" "q" {\n  name = \n}\n');
    const r = await cli("init", "--from", s.dir, "--out-dir", join(s.dir, "out"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/main\.tf:\d+:\d+ not valid HCL/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("refuses a folder without .tf files, and one with more files than a configuration may hold", async () => {
    const s = scratch("esm-tf-");
    mkdirSync(join(s.dir, "empty"));
    const none = await cli("init", "--from", join(s.dir, "empty"));
    expect(none.code).toBe(2);
    expect(none.err).toContain("holds no .tf file");
    mkdirSync(join(s.dir, "many"));
    for (let i = 0; i <= 1000; i++) writeFileSync(join(s.dir, "many", `f${i}.tf`), "");
    const many = await cli("init", "--from", join(s.dir, "many"));
    expect(many.code).toBe(2);
    expect(many.err).toContain("holds more than 1000 .tf or .tfvars files");
  });
});

describe("a Terraform plan and a serverless.yml from the command line", () => {
  it("runs a plan's mapping and a serverless function's event end to end", async () => {
    const s = scratch("esm-tf-");
    const traffic = s.write("traffic.yaml", "traffic:\n  - { at: 0s, records: 200 }\n");
    for (const [i, template] of ["test/fixtures/terraform/plan.json", "test/fixtures/serverless/serverless.yml"].entries()) {
      const out = join(s.dir, `out-${i}`);
      const list = await cli("init", "--from", template, "--out-dir", out);
      expect(list.code).toBe(0);
      const first = readdirSync(out).sort()[0].replace(/\.yaml$/, "");
      const r = await cli("run", "--template", template, "--traffic", traffic, "--resource", first, "--format", "json");
      expect(r.code, r.err).toBeLessThanOrEqual(1);
      expect(JSON.parse(r.out).records.produced).toBe(200);
    }
  });
});
