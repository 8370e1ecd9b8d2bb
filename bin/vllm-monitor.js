#!/usr/bin/env -S node --
// why: `--` stops Node 20 from reading our `--env-file` option as its own (it exits 9 on a missing file).
// Thin shim: all logic lives in the compiled CLI (built by `npm ci` through the prepare script).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv);
