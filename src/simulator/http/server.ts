import { randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ZodType } from "zod";
import type { SimulatedInstance } from "../engine/instance.js";
import {
  DONE_EVENT,
  chatChunk,
  chatRequest,
  chatResponse,
  completionChunk,
  completionRequest,
  completionResponse,
  errorBody,
  modelList,
  promptBlockHashes,
  chatPromptText,
  completionPromptText,
  contextLengthMessage,
  promptTokenEstimate,
  tokenText,
  usageChunk,
  type ChatRequest,
  type CompletionRequest,
  type ResponseIdentity,
} from "./openai.js";
import type { FinishedRequest, RequestSpec } from "../engine/request.js";

/** What `vllm --version` would say for each metrics version. */
const VLLM_VERSIONS = { "0.32": "0.32.0", current: "0.28.0", "0.10": "0.10.1.1", "0.6": "0.6.6.post1" } as const;
/** The largest request body read; a larger one is answered 413 before it is read whole. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const JSON_TYPE = "application/json";

export interface HandlerOptions {
  readonly token?: string;
}

/** The request handler of one simulated vLLM OpenAI server. */
export function createHandler(instance: SimulatedInstance, options: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
  const authorized = (req: IncomingMessage): boolean => {
    if (expected === undefined) return true;
    const given = Buffer.from(req.headers.authorization ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  return (req, res) => {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    const route = ROUTES[path];
    const handler = route === undefined ? "none" : path;
    res.once("close", () => {
      const requestBytes = Number(req.headers["content-length"] ?? 0) || 0;
      const responseBytes = Number(res.getHeader("content-length") ?? 0) || 0;
      instance.http.record(
        handler,
        method,
        res.statusCode,
        requestBytes,
        responseBytes,
        (performance.now() - started) / 1000,
        Date.now() / 1000,
      );
    });
    if (route === undefined) return send(res, 404, JSON_TYPE, JSON.stringify({ detail: "Not Found" }));
    if (route.method !== method) return send(res, 405, JSON_TYPE, JSON.stringify({ detail: "Method Not Allowed" }));
    if (route.protected && !authorized(req)) return send(res, 401, JSON_TYPE, JSON.stringify({ error: "Unauthorized" }));
    switch (path) {
      case "/health":
        return send(res, 200, JSON_TYPE, "");
      case "/version":
        return send(res, 200, JSON_TYPE, JSON.stringify({ version: VLLM_VERSIONS[instance.config.metricsVersion] }));
      case "/metrics": {
        const contentType =
          instance.config.metricsVersion === "current" || instance.config.metricsVersion === "0.32"
            ? "text/plain; version=1.0.0; charset=utf-8"
            : "text/plain; version=0.0.4; charset=utf-8";
        return send(res, 200, contentType, instance.renderMetrics());
      }
      case "/sleep": {
        // why: vLLM's dev-mode endpoint (VLLM_SERVER_DEV_MODE=1); level 1 offloads weights, level 2 discards them.
        const level = new URL(req.url ?? "/", "http://simulator").searchParams.get("level") ?? "1";
        if (level !== "1" && level !== "2") return badRequest(res, `level must be 1 or 2 (got ${level})`);
        instance.sleep(level === "1" ? 1 : 2);
        return send(res, 200, JSON_TYPE, "");
      }
      case "/wake_up":
        instance.wakeUp();
        return send(res, 200, JSON_TYPE, "");
      case "/is_sleeping":
        return send(res, 200, JSON_TYPE, JSON.stringify({ is_sleeping: instance.sleeping }));
      case "/v1/models":
        return send(res, 200, JSON_TYPE, modelList([instance.config.model], Math.floor(instance.unixTime(0)), instance.config.maxModelLen));
      case "/v1/completions":
        return void readJson(req, res, completionRequest, instance.config.maxModelLen, (body) =>
          generate(instance, res, {
            kind: "completion",
            body,
            prompt: completionPromptText(body),
            maxTokens: body.max_tokens ?? undefined,
          }),
        );
      case "/v1/chat/completions":
        return void readJson(req, res, chatRequest, instance.config.maxModelLen, (body) =>
          generate(instance, res, {
            kind: "chat",
            body,
            prompt: chatPromptText(body),
            maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
          }),
        );
      default:
        return send(res, 404, JSON_TYPE, JSON.stringify({ detail: "Not Found" }));
    }
  };
}

const ROUTES: Record<string, { method: string; protected: boolean }> = {
  "/health": { method: "GET", protected: false },
  "/version": { method: "GET", protected: false },
  "/metrics": { method: "GET", protected: true },
  "/v1/models": { method: "GET", protected: true },
  "/sleep": { method: "POST", protected: true },
  "/wake_up": { method: "POST", protected: true },
  "/is_sleeping": { method: "GET", protected: true },
  "/v1/completions": { method: "POST", protected: true },
  "/v1/chat/completions": { method: "POST", protected: true },
};

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function badRequest(res: ServerResponse, message: string): void {
  send(res, 400, JSON_TYPE, errorBody(400, message, "BadRequestError"));
}

/** How long the rest of an oversized body is read and dropped after its 413, before the connection is cut. */
const LINGER_MS = 5_000;

/**
 * 413, then the rest of the body read and dropped (never kept) for at most LINGER_MS.
 * why: closing a socket while upload data is still unread makes the kernel send a reset, and a
 * client still uploading then loses the 413 it was already sent (seen: a client waiting forever).
 * Lingering, as nginx does, lets the answer arrive; the bound keeps an endless upload from holding
 * the connection.
 */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  const body = errorBody(413, `Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`, "RequestEntityTooLarge");
  const cut = setTimeout(() => req.socket.destroy(), LINGER_MS);
  cut.unref();
  req.once("end", () => clearTimeout(cut));
  req.once("close", () => clearTimeout(cut));
  req.resume();
  res.writeHead(413, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Reads a JSON body within MAX_BODY_BYTES, refuses a prompt longer than the context from a cheap
 * count (before any per-element validation), then validates it.
 */
function readJson<T>(req: IncomingMessage, res: ServerResponse, schema: ZodType<T>, maxModelLen: number, then: (body: T) => void): void {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return tooLarge(req, res);
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    else if (!refused) {
      refused = true;
      chunks.length = 0;
      tooLarge(req, res);
    }
  });
  req.on("end", () => {
    if (refused) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch (error) {
      return badRequest(res, `Invalid JSON body: ${(error as Error).message}`);
    }
    const estimate = promptTokenEstimate(parsed);
    if (estimate !== undefined && estimate >= maxModelLen) {
      const requested = (parsed as { max_tokens?: unknown }).max_tokens;
      return badRequest(res, contextLengthMessage(maxModelLen, estimate, typeof requested === "number" ? requested : 0));
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
      return badRequest(res, problems.join("; "));
    }
    then(result.data);
  });
}

interface Generation {
  readonly kind: "completion" | "chat";
  readonly body: CompletionRequest | ChatRequest;
  readonly prompt: { readonly text: string; readonly tokens: number };
  readonly maxTokens: number | undefined;
}

function generate(instance: SimulatedInstance, res: ServerResponse, generation: Generation): void {
  const { kind, body, prompt, maxTokens: requestedMax } = generation;
  const { model, maxModelLen } = instance.config;
  if (body.model != null && body.model !== model) {
    return send(res, 404, JSON_TYPE, errorBody(404, `The model \`${body.model}\` does not exist.`, "NotFoundError", "model"));
  }
  if (prompt.tokens + (requestedMax ?? 0) > maxModelLen || prompt.tokens >= maxModelLen) {
    return badRequest(res, contextLengthMessage(maxModelLen, prompt.tokens, requestedMax ?? 0));
  }
  const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID().replace(/-/g, "")}`;
  const who: ResponseIdentity = { id, created: Math.floor(Date.now() / 1000), model };
  const seed = prompt.text.length + prompt.tokens;
  const maxTokens = Math.min(requestedMax ?? maxModelLen - prompt.tokens, maxModelLen - prompt.tokens);
  // why: an LLM stops at EOS after a log-normal-ish length; ignore_eos runs to max_tokens.
  const natural = body.ignore_eos === true ? maxTokens : 16 + ((prompt.tokens * 2654435761) % 240);
  const spec: RequestSpec = {
    id,
    promptTokens: prompt.tokens,
    promptBlockHashes: promptBlockHashes(prompt.text, prompt.tokens),
    maxTokens,
    naturalLength: natural,
    origin: "api",
    ...(requestedMax === undefined ? {} : { maxTokensParam: requestedMax }),
  };
  // why: vLLM V1 fans a request with n > 1 out into n child requests (`{index}_{id}`), each one in flight.
  const n = body.n ?? 1;
  const rejected = instance.admissionRejected(n);
  if (rejected !== undefined) {
    const why =
      rejected === "max_num_queued_reqs"
        ? "too many requests are in flight (--max-num-queued-reqs)"
        : "the prompts waiting for prefill hold too many tokens (--max-num-queued-tokens)";
    return send(res, 503, JSON_TYPE, errorBody(503, `The server is overloaded: ${why}.`, "ServiceUnavailableError"));
  }
  const stream = body.stream === true;
  const includeUsage = stream && body.stream_options?.include_usage === true;
  const children = Array.from({ length: n }, (_, index) => ({
    spec: { ...spec, id: n === 1 ? id : `${index}_${id}`, ...(n === 1 ? {} : { paramsN: n }) },
    engineIndex: -1,
    text: "",
    finished: undefined as FinishedRequest | undefined,
  }));
  let done = false;
  res.once("close", () => {
    if (!done) {
      done = true;
      for (const child of children) if (child.finished === undefined) instance.abort(child.spec.id, child.engineIndex);
    }
  });
  if (stream) {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    if (kind === "chat") children.forEach((_, index) => res.write(chatChunk(who, index, { role: "assistant", content: "" }, null)));
  }
  const finishAll = (): void => {
    done = true;
    const finished = children.map((child) => child.finished!);
    const generationTokens = finished.reduce((total, child) => total + child.generationTokens, 0);
    if (stream) {
      if (includeUsage)
        res.write(
          usageChunk(who, kind === "chat" ? "chat.completion.chunk" : "text_completion", finished[0]!.promptTokens, generationTokens),
        );
      return void res.end(DONE_EVENT);
    }
    if (finished.some((child) => child.reason === "error"))
      return send(res, 500, JSON_TYPE, errorBody(500, "The engine failed while generating this request.", "InternalServerError"));
    const respond = kind === "chat" ? chatResponse : completionResponse;
    const choices = children.map((child) => ({ text: child.text, reason: child.finished!.reason }));
    send(res, 200, JSON_TYPE, respond(who, choices, finished[0]!.promptTokens, generationTokens));
  };
  children.forEach((child, index) => {
    child.engineIndex = instance.submit(child.spec, {
      onToken: (token) => {
        const piece = tokenText(seed + index, token);
        if (!stream) child.text += piece;
        else if (kind === "chat") res.write(chatChunk(who, index, { content: piece }, null));
        else res.write(completionChunk(who, index, piece, null));
      },
      onFinish: (finished) => {
        if (done) return;
        child.finished = finished;
        if (stream)
          res.write(kind === "chat" ? chatChunk(who, index, {}, finished.reason) : completionChunk(who, index, "", finished.reason));
        if (children.every((other) => other.finished !== undefined)) finishAll();
      },
    });
  });
}
