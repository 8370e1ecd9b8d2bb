import type { BlockHolder } from "./kv-cache.js";

export type FinishReason = "stop" | "length" | "abort" | "error";

/** What the API layer or the built-in load submits to an engine. */
export interface RequestSpec {
  readonly id: string;
  readonly promptTokens: number;
  /** Hashes of the prompt's full 16-token blocks, for prefix caching. */
  readonly promptBlockHashes: readonly number[];
  /** The most new tokens the request may produce (max_tokens, or what the context leaves). */
  readonly maxTokens: number;
  /** The `max_tokens` the client sent, if any (vllm:request_params_max_tokens). */
  readonly maxTokensParam?: number;
  /** The `n` of the request this one is a child of (vllm:request_params_n); 1 when absent. */
  readonly paramsN?: number;
  /** Where the model would emit EOS; at or beyond maxTokens the request ends with `length`. */
  readonly naturalLength: number;
  /** Built-in clients: disconnect after this many tokens (finish reason `abort`). */
  readonly abortAfterTokens?: number;
  /** Built-in load: the engine fails the request after this many tokens (finish reason `error`). */
  readonly errorAfterTokens?: number;
  /** Built-in clients give up when still queued after this long (seconds). */
  readonly patienceSeconds?: number;
  /** The LoRA adapter the request asks for (the `model` of an OpenAI request naming an adapter). */
  readonly loraAdapter?: string;
  readonly origin: "api" | "load";
}

/** Receives a request's output as the engine produces it (times are simulated seconds). */
export interface RequestListener {
  onToken?(tokenIndex: number, time: number): void;
  onFinish?(finished: FinishedRequest): void;
}

/** Everything that happened to one request, in simulated seconds since the server started. */
export interface FinishedRequest {
  readonly id: string;
  readonly engine: number;
  readonly origin: "api" | "load";
  readonly arrival: number;
  /** First time the scheduler ran it; undefined when aborted while queued. */
  readonly scheduled?: number;
  readonly firstToken?: number;
  readonly finish: number;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly generationTokens: number;
  readonly maxTokens: number;
  readonly maxTokensParam?: number;
  readonly paramsN?: number;
  readonly preemptions: number;
  readonly reason: FinishReason;
  /** Token times, when the engine records them (ground truth). */
  readonly tokenTimes?: readonly number[];
}

/** An engine's view of a request in flight. */
export interface SimRequest extends BlockHolder {
  readonly spec: RequestSpec;
  readonly listener: RequestListener | undefined;
  readonly arrival: number;
  state: "waiting" | "running" | "finished";
  /** Tokens whose KV is computed (prompt and generated). */
  computed: number;
  generated: number;
  /** Prompt blocks registered for prefix reuse. */
  registeredBlocks: number;
  cachedTokens: number;
  lookedUp: boolean;
  preemptions: number;
  scheduled?: number;
  firstToken?: number;
  lastToken?: number;
  tokenTimes?: number[];
}

export function newSimRequest(
  spec: RequestSpec,
  listener: RequestListener | undefined,
  arrival: number,
  recordTokenTimes: boolean,
): SimRequest {
  const request: SimRequest = {
    spec,
    listener,
    arrival,
    state: "waiting",
    computed: 0,
    generated: 0,
    registeredBlocks: 0,
    cachedTokens: 0,
    lookedUp: false,
    preemptions: 0,
    hashedBlocks: [],
    privateBlocks: 0,
  };
  if (recordTokenTimes) request.tokenTimes = [];
  return request;
}

/** Prompt plus generated tokens: what a (re)computation must fill. */
export function totalTokens(request: SimRequest): number {
  return request.spec.promptTokens + request.generated;
}
