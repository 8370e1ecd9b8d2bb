/**
 * The synthetic history backfilled as TSDB blocks: each 2-hour block's samples are streamed into
 * an OpenMetrics file on disk and handed to `promtool tsdb create-blocks-from openmetrics`, which
 * writes the block into the data folder a Prometheus then opens. Much faster than remote write (no
 * WAL, no head compaction while writing), with the same series and samples (bench/synthetic-history.ts).
 * why: promtool maps its input file whole and reads it once per 2-hour block it spans, so one file
 * per block keeps the disk bounded (two files at most: the next is written while promtool reads one).
 */
import { execFile } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { promtoolBinary } from "../test/helpers/promtool.js";
import { BLOCK_SECONDS, generateHistory, type HistoryOptions } from "./synthetic-history.js";

const run = promisify(execFile);
/** Text piled up before one write to the file. */
const WRITE_BYTES = 8 * 1024 * 1024;

/** Streams OpenMetrics text into one file per 2-hour block, handing each finished file to promtool. */
class BlockFiles {
  private fd: number | undefined;
  private path = "";
  private parts: string[] = [];
  private bytes = 0;
  private files = 0;
  private backfilling: Promise<void> = Promise.resolve();

  constructor(
    private readonly workDir: string,
    private readonly dataDir: string,
    private readonly stepSeconds: number,
  ) {}

  append(text: string, values: Float64Array, count: number, firstSeconds: number): void {
    if (this.fd === undefined) this.open();
    const prefix = `${text} `;
    let lines = "";
    for (let at = 0; at < count; at += 1) lines += `${prefix}${values[at]} ${firstSeconds + at * this.stepSeconds}\n`;
    this.parts.push(lines);
    this.bytes += lines.length;
  }

  write(): void {
    if (this.fd === undefined || this.bytes < WRITE_BYTES) return;
    this.drain();
  }

  /** After a window ending at `endSeconds`: a file whose block is full goes to promtool. */
  async windowEnd(endSeconds: number): Promise<void> {
    if (Math.floor((endSeconds + this.stepSeconds) / BLOCK_SECONDS) !== Math.floor(endSeconds / BLOCK_SECONDS)) await this.close();
  }

  async close(): Promise<void> {
    if (this.fd === undefined) return;
    this.parts.push("# EOF\n");
    this.drain();
    closeSync(this.fd);
    this.fd = undefined;
    const path = this.path;
    // why: one promtool at a time (it takes a core and the file's pages); the next file is written meanwhile.
    await this.backfilling;
    this.backfilling = this.backfill(path);
    this.backfilling.catch(() => {});
  }

  async finished(): Promise<void> {
    await this.close();
    await this.backfilling;
  }

  private open(): void {
    this.path = join(this.workDir, `block-${this.files}.om`);
    this.files += 1;
    this.fd = openSync(this.path, "w");
  }

  private drain(): void {
    writeSync(this.fd!, this.parts.join(""));
    this.parts = [];
    this.bytes = 0;
  }

  private async backfill(path: string): Promise<void> {
    try {
      await run(promtoolBinary(), ["tsdb", "create-blocks-from", "openmetrics", "--quiet", path, this.dataDir], {
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? "";
      throw new Error(`promtool could not backfill ${path}: ${stderr.trim() || String(error)}`);
    } finally {
      await rm(path, { force: true });
    }
  }
}

/**
 * Writes the history as TSDB blocks into `dataDir` (a Prometheus data folder, before Prometheus
 * opens it), through OpenMetrics files in `workDir`. Returns the number of samples.
 */
export async function backfillHistory(dataDir: string, workDir: string, options: HistoryOptions): Promise<number> {
  const files = new BlockFiles(workDir, dataDir, options.stepSeconds);
  try {
    const samples = await generateHistory(options, {
      append: (series, values, count, firstSeconds) => files.append(series.text, values, count, firstSeconds),
      afterInstance: async () => files.write(),
      windowEnd: (endSeconds) => files.windowEnd(endSeconds),
    });
    await files.finished();
    return samples;
  } catch (error) {
    await files.finished().catch(() => {});
    throw error;
  }
}
