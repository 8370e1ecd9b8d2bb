// Imported (`--import`) into each test file's process by scripts/run-files.mjs: at exit it writes
// the CPU seconds this process and the children it waited for used (Linux /proc/self/stat: utime,
// stime, cutime, cstime) to $TEST_CPU_REPORT, so the runner learns how much of a core each file takes.
// A stack a test started detached is not its child and is not counted.
import { readFileSync, writeFileSync } from "node:fs";

const report = process.env.TEST_CPU_REPORT;
// why: the clock tick of /proc's times; 100 on every Linux that node runs on.
const TICKS_PER_SECOND = 100;

if (report !== undefined) {
  process.on("exit", () => {
    try {
      const stat = readFileSync("/proc/self/stat", "utf8");
      // why: the command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0);
      writeFileSync(report, String(ticks / TICKS_PER_SECOND));
    } catch {
      // no /proc (not Linux): the runner keeps the file's recorded weight
    }
  });
}
