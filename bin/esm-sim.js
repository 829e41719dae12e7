#!/usr/bin/env node
import { main } from "../dist/cli-bundle/main.js";

// A reader that goes away early (`esm-sim explain x | head`) is not an error: stop quietly, no stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e && e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

// A run stopped by Ctrl-C (SIGINT), SIGTERM or SIGHUP has removed its temporary files, said so, and returned the exit
// code of a process that signal ended (130, 143, 129). It then ends by that same signal, as it would have without
// the files, so that a shell running it in a loop or a script stops too: a shell takes a plain exit code of 130 to
// mean that the command handled the Ctrl-C itself, and goes on with the next command.
const SIGNAL_OF_EXIT_CODE = { 129: "SIGHUP", 130: "SIGINT", 143: "SIGTERM" };

main(process.argv).then((code) => {
  process.exitCode = code;
  const signal = SIGNAL_OF_EXIT_CODE[code];
  if (signal) process.stderr.write("", () => process.kill(process.pid, signal));
});
