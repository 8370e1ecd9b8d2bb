#!/usr/bin/env node
// Thin shim: all logic lives in the compiled CLI (built by `npm ci` through the prepare script).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv);
