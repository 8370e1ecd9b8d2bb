import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import type { FinishedRequest } from "./request.js";

/** One line of `--truth-file`: what really happened to a finished request (seconds; times are Unix). */
export interface TruthRecord {
  readonly id: string;
  readonly model: string;
  readonly instance: number;
  readonly engine: number;
  readonly origin: "api" | "load";
  readonly arrival: number;
  readonly queue: number | null;
  readonly ttft: number | null;
  readonly itl_mean: number | null;
  readonly itl: number[];
  readonly tpot: number | null;
  readonly e2e: number;
  readonly prefill: number | null;
  readonly decode: number | null;
  readonly inference: number | null;
  readonly prompt_tokens: number;
  readonly cached_tokens: number;
  readonly generation_tokens: number;
  readonly max_tokens: number;
  readonly preemptions: number;
  readonly finish_reason: string;
}

const round = (seconds: number) => Math.round(seconds * 1e6) / 1e6;

/** Builds the ground-truth record of a finished request; `unixOffset` turns simulated into Unix seconds. */
export function truthRecord(request: FinishedRequest, model: string, instance: number, unixOffset: number): TruthRecord {
  const times = request.tokenTimes ?? [];
  const itl = times.slice(1).map((time, index) => round(time - (times[index] as number)));
  const { scheduled, firstToken } = request;
  return {
    id: request.id,
    model,
    instance,
    engine: request.engine,
    origin: request.origin,
    arrival: round(unixOffset + request.arrival),
    queue: scheduled === undefined ? null : round(scheduled - request.arrival),
    ttft: firstToken === undefined ? null : round(firstToken - request.arrival),
    itl_mean: itl.length === 0 ? null : round(itl.reduce((a, b) => a + b, 0) / itl.length),
    itl,
    tpot:
      firstToken === undefined || request.generationTokens < 2
        ? null
        : round((request.finish - firstToken) / (request.generationTokens - 1)),
    e2e: round(request.finish - request.arrival),
    prefill: scheduled === undefined || firstToken === undefined ? null : round(firstToken - scheduled),
    decode: firstToken === undefined ? null : round(request.finish - firstToken),
    inference: scheduled === undefined ? null : round(request.finish - scheduled),
    prompt_tokens: request.promptTokens,
    cached_tokens: request.cachedTokens,
    generation_tokens: request.generationTokens,
    max_tokens: request.maxTokens,
    preemptions: request.preemptions,
    finish_reason: request.reason,
  };
}

/** Appends JSON lines to the truth file. */
export class TruthWriter {
  private readonly stream: WriteStream;

  private constructor(stream: WriteStream) {
    this.stream = stream;
  }

  static async open(path: string): Promise<TruthWriter> {
    const stream = createWriteStream(path, { flags: "w" });
    await once(stream, "open");
    return new TruthWriter(stream);
  }

  write(record: TruthRecord): void {
    this.stream.write(`${JSON.stringify(record)}\n`);
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, "close");
  }
}
