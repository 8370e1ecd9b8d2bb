import type { MetricsVersionSpec } from "../../catalog/index.js";
import { Family } from "../http/exposition.js";

/** The adapters one engine serves and queues right now. */
export interface LoraUse {
  readonly running: ReadonlySet<string>;
  readonly waiting: readonly string[];
}

/** vLLM's --max-loras for a simulator serving `adapters` adapters: usually below the number served, so requests get deferred. */
export function maxLorasFor(adapters: number): number {
  return Math.max(1, Math.ceil(adapters / 2));
}

/** Children kept before the oldest adapter set is forgotten (vLLM keeps them all; a long simulation would grow without end). */
const MAX_CHILDREN = 64;

/**
 * `vllm:lora_requests_info` as vLLM writes it: each engine's stats call `set_to_current_time()` on
 * the child labelled with its current adapter lists, so every adapter set ever seen stays as a
 * child and the current one is the child with the newest timestamp.
 */
export class LoraInfo {
  private readonly family: Family | undefined;
  private readonly maxLoras: number;
  private readonly order: string[] = [];

  constructor(spec: MetricsVersionSpec, adapters: number) {
    const entry = spec.families.find((item) => item.source === "loraInfo");
    this.family = entry === undefined ? undefined : new Family(entry.family, false);
    this.maxLoras = maxLorasFor(adapters);
  }

  /** Waiting requests of an engine held back because their adapter does not fit the batch (the `deferred` reason). */
  deferred(use: LoraUse): number {
    if (use.running.size < this.maxLoras) return 0;
    return use.waiting.filter((adapter) => !use.running.has(adapter)).length;
  }

  /** Records each engine's adapter lists at `unixTime`. */
  update(engines: readonly LoraUse[], unixTime: number): void {
    if (this.family === undefined) return;
    for (const use of engines) {
      const values = [String(this.maxLoras), [...use.running].sort().join(","), [...new Set(use.waiting)].sort().join(",")];
      const key = values.join("\u0001");
      if (!this.order.includes(key)) {
        this.order.push(key);
        if (this.order.length > MAX_CHILDREN) this.family.forget(this.order.shift()!.split("\u0001"));
      }
      this.family.child(values, 0).value = unixTime;
    }
  }

  render(out: string[]): void {
    this.family?.render(out);
  }
}
