import { z } from "zod";
import { BLOCK_SIZE } from "../engine/kv-cache.js";
import type { FinishReason } from "../engine/request.js";

/** Request bodies and response shapes of vLLM's OpenAI-compatible server (the parts clients use). */

/** The most completions one request may ask for (vLLM has no cap; this keeps one request from flooding the simulator). */
const MAX_N = 256;

const streamOptions = z.object({ include_usage: z.boolean().nullish(), continuous_usage_stats: z.boolean().nullish() }).nullish();

const common = {
  model: z.string().nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  n: z.number().int().min(1).max(MAX_N, `the simulator serves n up to ${MAX_N}`).nullish(),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  ignore_eos: z.boolean().nullish(),
};

// why: zod checks a million-element array element by element through every union branch (14 s for a
// 13 MB list of token ids); one plain loop per form does the same check in milliseconds.
const isTokenIds = (value: unknown): value is number[] =>
  Array.isArray(value) && value.length > 0 && value.every((item) => Number.isInteger(item));
const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string");
const isTokenIdBatch = (value: unknown): value is number[][] => Array.isArray(value) && value.length > 0 && value.every(isTokenIds);
const promptField = z.custom<string | string[] | number[] | number[][]>(
  (value) => typeof value === "string" || isStringList(value) || isTokenIds(value) || isTokenIdBatch(value),
  { message: "must be a string, a list of strings, a list of token ids or a list of token-id lists" },
);

export const completionRequest = z.looseObject({
  ...common,
  prompt: promptField,
});

const contentPart = z.looseObject({ type: z.string(), text: z.string().nullish() });
export const chatRequest = z.looseObject({
  ...common,
  max_completion_tokens: z.number().int().min(1).nullish(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(contentPart), z.null()]).nullish() })).min(1),
});

export type CompletionRequest = z.infer<typeof completionRequest>;
export type ChatRequest = z.infer<typeof chatRequest>;

/**
 * The prompt's length in tokens, estimated without validating each element (the largest prompt of
 * a batch), so an oversized request is refused before any per-element work. Undefined when the
 * body has no prompt or messages to count.
 */
export function promptTokenEstimate(body: unknown): number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { prompt, messages } = body as { prompt?: unknown; messages?: unknown };
  const ofText = (text: string): number => Math.ceil(text.length / 4);
  if (typeof prompt === "string") return ofText(prompt);
  if (Array.isArray(prompt)) {
    let largest = 0;
    if (prompt.length > 0 && typeof prompt[0] === "number") return prompt.length;
    for (const item of prompt) largest = Math.max(largest, typeof item === "string" ? ofText(item) : Array.isArray(item) ? item.length : 0);
    return largest;
  }
  if (Array.isArray(messages)) {
    let characters = 0;
    for (const message of messages) {
      const content = typeof message === "object" && message !== null ? (message as { content?: unknown }).content : undefined;
      if (typeof content === "string") characters += content.length;
      else if (Array.isArray(content)) for (const part of content) characters += typeof part?.text === "string" ? part.text.length : 0;
    }
    return Math.ceil(characters / 4);
  }
  return undefined;
}

/** vLLM's answer (HTTP 400) to a prompt that does not fit the model's context. */
export function contextLengthMessage(maxModelLen: number, promptTokens: number, requestedMax: number): string {
  return `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + requestedMax} tokens (${promptTokens} in the messages, ${requestedMax} in the completion). Please reduce the length of the messages or completion.`;
}

/** An OpenAI-style error body as vLLM returns it. */
export function errorBody(status: number, message: string, type: string, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code: status } });
}

/** The text the prompt hashes and counts are derived from (about four characters per token). */
export function chatPromptText(request: ChatRequest): { text: string; tokens: number } {
  const text = request.messages
    .map((message) => {
      const content =
        typeof message.content === "string" ? message.content : (message.content ?? []).map((part) => part.text ?? "").join("");
      return `<|${message.role}|>${content}`;
    })
    .join("\n");
  return { text, tokens: Math.max(1, Math.ceil(text.length / 4) + 3) };
}

export function completionPromptText(request: CompletionRequest): { text: string; tokens: number } {
  const prompt = request.prompt;
  if (typeof prompt === "string") return { text: prompt, tokens: Math.max(1, Math.ceil(prompt.length / 4)) };
  const first = prompt[0];
  if (typeof first === "string") return { text: first, tokens: Math.max(1, Math.ceil(first.length / 4)) };
  const ids = Array.isArray(first) ? first : (prompt as number[]);
  return { text: ids.join(","), tokens: ids.length };
}

/** Hashes of the full 16-token blocks of a prompt: a chained FNV-1a over 64-character chunks. */
export function promptBlockHashes(text: string, tokens: number): number[] {
  const blocks = Math.floor(tokens / BLOCK_SIZE);
  const chunk = Math.max(1, Math.floor(text.length / Math.max(1, tokens)) * BLOCK_SIZE);
  const hashes: number[] = [];
  let hash = 0x811c9dc5;
  for (let block = 0; block < blocks; block += 1) {
    const part = text.slice(block * chunk, (block + 1) * chunk);
    for (let i = 0; i < part.length; i += 1) hash = Math.imul(hash ^ part.charCodeAt(i), 0x01000193) >>> 0;
    hash = Math.imul(hash ^ block, 0x01000193) >>> 0;
    // why: keep API prompt hashes apart from the built-in load's numbering.
    hashes.push(2 ** 40 + hash);
  }
  return hashes;
}

const WORDS = (
  "the of and to in is that for it as was with be by on not he this are or his from at which but have an they " +
  "you were her she there been one all we their has would when if so no will more can said who into some time"
).split(" ");

/** The text of output token `index` (deterministic, readable filler). */
export function tokenText(seed: number, index: number): string {
  return ` ${WORDS[(seed + index * 7) % WORDS.length] as string}`;
}

export function usage(promptTokens: number, completionTokens: number): Record<string, unknown> {
  return {
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens: completionTokens,
    prompt_tokens_details: null,
  };
}

export interface ResponseIdentity {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

/** One generated sequence of a request (a request with `n` > 1 has n, indexed from 0). */
export interface Choice {
  readonly text: string;
  readonly reason: FinishReason;
}

export function completionResponse(
  who: ResponseIdentity,
  choices: readonly Choice[],
  promptTokens: number,
  completionTokens: number,
): string {
  return JSON.stringify({
    id: who.id,
    object: "text_completion",
    created: who.created,
    model: who.model,
    choices: choices.map(({ text, reason }, index) => ({
      index,
      text,
      logprobs: null,
      finish_reason: reason,
      stop_reason: null,
      prompt_logprobs: null,
    })),
    usage: usage(promptTokens, completionTokens),
  });
}

export function chatResponse(who: ResponseIdentity, choices: readonly Choice[], promptTokens: number, completionTokens: number): string {
  return JSON.stringify({
    id: who.id,
    object: "chat.completion",
    created: who.created,
    model: who.model,
    choices: choices.map(({ text, reason }, index) => ({
      index,
      message: {
        role: "assistant",
        content: text,
        refusal: null,
        annotations: null,
        audio: null,
        function_call: null,
        tool_calls: [],
        reasoning_content: null,
      },
      logprobs: null,
      finish_reason: reason,
      stop_reason: null,
    })),
    usage: usage(promptTokens, completionTokens),
    prompt_logprobs: null,
  });
}

/** One SSE event line for a completion chunk. */
export function completionChunk(who: ResponseIdentity, index: number, text: string, reason: FinishReason | null): string {
  return `data: ${JSON.stringify({
    id: who.id,
    object: "text_completion",
    created: who.created,
    model: who.model,
    choices: [{ index, text, logprobs: null, finish_reason: reason, stop_reason: null }],
  })}\n\n`;
}

export function chatChunk(who: ResponseIdentity, index: number, delta: Record<string, unknown>, reason: FinishReason | null): string {
  return `data: ${JSON.stringify({
    id: who.id,
    object: "chat.completion.chunk",
    created: who.created,
    model: who.model,
    choices: [{ index, delta, logprobs: null, finish_reason: reason }],
  })}\n\n`;
}

/** The final usage-only chunk sent when `stream_options.include_usage` is true. */
export function usageChunk(who: ResponseIdentity, object: string, promptTokens: number, completionTokens: number): string {
  return `data: ${JSON.stringify({ id: who.id, object, created: who.created, model: who.model, choices: [], usage: usage(promptTokens, completionTokens) })}\n\n`;
}

export const DONE_EVENT = "data: [DONE]\n\n";

export function modelList(models: readonly string[], created: number, maxModelLen: number): string {
  return JSON.stringify({
    object: "list",
    data: models.map((id) => ({
      id,
      object: "model",
      created,
      owned_by: "vllm",
      root: id,
      parent: null,
      max_model_len: maxModelLen,
      permission: [],
    })),
  });
}
