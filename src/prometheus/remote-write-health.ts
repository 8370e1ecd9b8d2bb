/**
 * How a remote-write queue is doing, judged from Prometheus's own counters: rejected samples mean
 * the receiver refuses what it is sent (credentials, permissions, payload) and they are lost;
 * a growing lag means it cannot be reached and samples wait in the write-ahead log. Pure.
 */
import type { RemoteWriteQueue } from "./client.js";

export type QueueState = "ok" | "starting" | "rejected" | "behind";

export interface QueueHealth {
  readonly state: QueueState;
  /** One line for `status` and `doctor`. */
  readonly message: string;
}

/** Behind by more than this: not the normal batching delay (5 s batches, scrape intervals up to a minute). */
export const BEHIND_SECONDS = 120;

export function queueHealth(queue: RemoteWriteQueue): QueueHealth {
  const sent = `${queue.samplesTotal - queue.samplesFailed} of ${queue.samplesTotal} samples accepted`;
  // why: after a credential change Prometheus starts a new queue with fresh counters, so a majority rejected means "rejected now".
  if (queue.samplesFailed > 0 && queue.samplesFailed * 2 >= queue.samplesTotal) {
    return {
      state: "rejected",
      message:
        `failing: the receiver rejected ${queue.samplesFailed} of ${queue.samplesTotal} samples (HTTP 4xx: wrong credentials, no permission, or a payload it refuses); ` +
        "rejected samples are dropped. The error is in `vllm-monitor logs prometheus`; check the endpoint with `vllm-monitor doctor`",
    };
  }
  if (queue.lagSeconds === undefined && queue.samplesRetried > 0) {
    return {
      state: "behind",
      message: `failing: nothing delivered yet, ${queue.samplesRetried} samples retried (${queue.samplesPending} pending): the receiver is unreachable or answers 5xx/429; samples wait in the write-ahead log`,
    };
  }
  if (queue.lagSeconds === undefined) return { state: "starting", message: `nothing sent yet (${queue.samplesPending} samples pending)` };
  if (queue.lagSeconds > BEHIND_SECONDS) {
    return {
      state: "behind",
      message:
        `behind by ${Math.round(queue.lagSeconds)} s, retrying (${queue.samplesRetried} samples retried, ${queue.samplesPending} pending): the receiver is unreachable or answers 5xx/429; ` +
        "samples wait in the write-ahead log and arrive when it is back",
    };
  }
  const rejected = queue.samplesFailed > 0 ? `; ${queue.samplesFailed} rejected earlier` : "";
  return { state: "ok", message: `ok: ${sent}, ${Math.round(queue.lagSeconds)} s behind the newest scrape${rejected}` };
}

/** True when every queue delivers (or has not had the chance yet). */
export function queuesHealthy(queues: readonly RemoteWriteQueue[]): boolean {
  return queues.every((queue) => {
    const { state } = queueHealth(queue);
    return state === "ok" || state === "starting";
  });
}
