#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner (TAP on stdout), then prints the plain
// closing line `N passed, N failed` that CI reads. Arguments narrow the run to paths containing them.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith(".test.ts")) found.push(path);
  }
  return found;
}

const filters = process.argv.slice(2);
const files = findTests("test").filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(2);
}

const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=tap", `--test-concurrency=${process.env.TEST_CONCURRENCY ?? "2"}`, ...files],
  { stdio: ["ignore", "pipe", "inherit"] },
);
let tail = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
child.on("close", (code) => {
  const count = (name) => Number(/^# (\w+) (\d+)$/m.test(tail) ? (tail.match(new RegExp(`^# ${name} (\\d+)$`, "m"))?.[1] ?? 0) : 0);
  const passed = count("pass");
  const failed = count("fail") + count("cancelled");
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code ?? 1);
});
