#!/usr/bin/env node
import { main } from "../dist/cli-bundle/main.js";

// A reader that goes away early (`esm-sim explain x | head`) is not an error: stop quietly, no stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e && e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
