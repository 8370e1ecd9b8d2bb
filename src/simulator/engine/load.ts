import { BLOCK_SIZE } from "./kv-cache.js";
import type { Random } from "./random.js";
import type { RequestSpec } from "./request.js";

export const LOAD_PROFILES = ["steady", "burst", "overload", "idle"] as const;
export type LoadProfile = (typeof LOAD_PROFILES)[number];

interface ProfileShape {
  /** Arrivals per second per engine (burst: during the burst). */
  readonly rate: number;
  readonly promptMedian: number;
  readonly outputMedian: number;
  readonly maxTokensChoices: readonly number[];
}

const SHAPES: Record<Exclude<LoadProfile, "idle">, ProfileShape> = {
  steady: { rate: 3, promptMedian: 320, outputMedian: 140, maxTokensChoices: [256, 512, 1024] },
  burst: { rate: 12, promptMedian: 320, outputMedian: 160, maxTokensChoices: [256, 512, 1024] },
  overload: { rate: 12, promptMedian: 800, outputMedian: 400, maxTokensChoices: [1024, 2048] },
};

/** Burst profile: BURST_SECONDS at the burst rate, then a quiet remainder of each cycle. */
const BURST_CYCLE_SECONDS = 30;
const BURST_SECONDS = 8;
const QUIET_RATE = 1;
/** Shared system prompts (in blocks), so the prefix cache has something to hit. */
const SYSTEM_PROMPT_BLOCKS = [8, 24, 40, 64];
const RECENT_PROMPTS = 32;
const FIRST_UNIQUE_HASH = 1_000_000_000;

/** The served name of the n-th simulated LoRA adapter (`--lora-modules name=path`). */
export function loraAdapterName(index: number): string {
  return `lora-${index}`;
}

/** Share of built-in requests the API server rejects before the engine sees them (HTTP 400: context too long, bad parameters). */
export const INVALID_REQUEST_SHARE = 0.01;

/**
 * Built-in clients: Poisson arrivals, log-normal prompt and output lengths, shared system prompts
 * and repeated conversations (prefix-cache hits), a few disconnects (abort), rare engine errors,
 * and clients that give up after a minute in the queue.
 */
export class LoadGenerator {
  private readonly shape: ProfileShape | undefined;
  private readonly profile: LoadProfile;
  private readonly random: Random;
  private readonly engines: number;
  private readonly maxModelLen: number;
  private readonly idPrefix: string;
  private readonly recent: { tokens: number; hashes: number[] }[] = [];
  private next: number | undefined;
  private stopped = false;
  private counter = 0;
  private uniqueHash = FIRST_UNIQUE_HASH;

  private readonly loraAdapters: number;

  constructor(
    profile: LoadProfile,
    options: { random: Random; engines: number; maxModelLen: number; idPrefix: string; loraAdapters?: number },
  ) {
    this.profile = profile;
    this.shape = profile === "idle" ? undefined : SHAPES[profile];
    this.random = options.random;
    this.engines = options.engines;
    this.maxModelLen = options.maxModelLen;
    this.idPrefix = options.idPrefix;
    this.loraAdapters = options.loraAdapters ?? 0;
    this.next = this.shape === undefined ? undefined : this.arrivalAfter(0);
  }

  /** Simulated time of the next built-in request, if any. */
  nextArrival(): number | undefined {
    return this.next;
  }

  /** No built-in request arrives after this. */
  stop(): void {
    this.stopped = true;
    this.next = undefined;
  }

  /** The request arriving at `nextArrival()`; schedules the one after. */
  take(): RequestSpec {
    const at = this.next ?? 0;
    this.next = this.stopped ? undefined : this.arrivalAfter(at);
    return this.request();
  }

  private rateAt(time: number): number {
    const shape = this.shape as ProfileShape;
    if (this.profile !== "burst") return shape.rate * this.engines;
    return (time % BURST_CYCLE_SECONDS < BURST_SECONDS ? shape.rate : QUIET_RATE) * this.engines;
  }

  private arrivalAfter(time: number): number {
    if (this.profile !== "burst") return time + this.random.exponential(this.rateAt(time));
    // why: a piecewise-constant Poisson process; memorylessness lets us restart at each boundary.
    let now = time;
    for (;;) {
      const candidate = now + this.random.exponential(this.rateAt(now));
      const phaseEnd =
        now % BURST_CYCLE_SECONDS < BURST_SECONDS
          ? now - (now % BURST_CYCLE_SECONDS) + BURST_SECONDS
          : now - (now % BURST_CYCLE_SECONDS) + BURST_CYCLE_SECONDS;
      if (candidate < phaseEnd) return candidate;
      now = phaseEnd;
    }
  }

  private request(): RequestSpec {
    const shape = this.shape as ProfileShape;
    const random = this.random;
    this.counter += 1;
    const prompt = this.prompt(shape);
    const maxTokensParam = random.chance(0.7)
      ? (shape.maxTokensChoices[random.int(0, shape.maxTokensChoices.length - 1)] as number)
      : undefined;
    const room = this.maxModelLen - prompt.tokens;
    const maxTokens = Math.max(1, Math.min(maxTokensParam ?? room, room));
    const naturalLength = Math.max(1, Math.round(random.logNormal(shape.outputMedian, 0.7)));
    const spec: RequestSpec = {
      id: `${this.idPrefix}-${this.counter}`,
      promptTokens: prompt.tokens,
      promptBlockHashes: prompt.hashes,
      maxTokens,
      naturalLength,
      patienceSeconds: 60,
      origin: "load",
      ...(maxTokensParam === undefined ? {} : { maxTokensParam }),
      ...(random.chance(0.06) ? { abortAfterTokens: random.int(1, Math.max(1, Math.min(naturalLength, maxTokens))) } : {}),
      ...(random.chance(0.003) ? { errorAfterTokens: random.int(1, Math.max(1, Math.min(naturalLength, maxTokens))) } : {}),
      ...(this.loraAdapters > 0 && random.chance(0.7) ? { loraAdapter: loraAdapterName(random.int(1, this.loraAdapters)) } : {}),
    };
    return spec;
  }

  private prompt(shape: ProfileShape): { tokens: number; hashes: number[] } {
    const random = this.random;
    if (this.recent.length > 0 && random.chance(0.15)) {
      // A follow-up turn: the whole previous prompt again plus a short new message.
      const previous = this.recent[random.int(0, this.recent.length - 1)] as { tokens: number; hashes: number[] };
      return this.extend(previous.hashes, previous.hashes.length * BLOCK_SIZE, random.int(8, 120));
    }
    const system = random.chance(0.8) ? random.int(0, SYSTEM_PROMPT_BLOCKS.length - 1) : undefined;
    const systemBlocks = system === undefined ? 0 : (SYSTEM_PROMPT_BLOCKS[system] as number);
    const hashes = Array.from({ length: systemBlocks }, (_, block) => ((system ?? 0) + 1) * 1_000_000 + block);
    return this.extend(hashes, systemBlocks * BLOCK_SIZE, Math.round(random.logNormal(shape.promptMedian, 0.8)));
  }

  private extend(prefix: readonly number[], prefixTokens: number, extraTokens: number): { tokens: number; hashes: number[] } {
    const tokens = Math.max(1, Math.min(prefixTokens + Math.max(1, extraTokens), Math.floor(this.maxModelLen * 0.75)));
    const hashes = prefix.slice(0, Math.floor(tokens / BLOCK_SIZE));
    while (hashes.length < Math.floor(tokens / BLOCK_SIZE)) hashes.push((this.uniqueHash += 1));
    const prompt = { tokens, hashes };
    this.recent.push(prompt);
    if (this.recent.length > RECENT_PROMPTS) this.recent.shift();
    return prompt;
  }
}
