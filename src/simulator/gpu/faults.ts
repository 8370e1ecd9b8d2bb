import { THROTTLE_REASONS, type ThrottleReason } from "./reading.js";

/** GPU faults a test or a user can inject, to see the GPU health panels and alerts react. */
export interface GpuFaults {
  /** An Xid error with this code (e.g. 79: fallen off the bus, 48: double-bit ECC, 13: graphics engine exception). */
  xid(gpu: number, code: number): void;
  /** Clock throttling for `seconds`, by heat or by the power limit. */
  throttle(gpu: number, reason: ThrottleReason, seconds: number): void;
  /** An uncorrectable memory error whose row remapping failed. */
  rowRemapFailure(gpu: number): void;
}

/** Where the GPU page takes fault injections: `POST /faults/xid?gpu=0&code=79`, `/faults/throttle?gpu=0&reason=thermal&seconds=60`, `/faults/row-remap?gpu=0`. */
export const FAULTS_PATH = "/faults/";

/** Applies one `POST /faults/…` request; answers with what was done or why not. */
export function injectFault(faults: GpuFaults, method: string, url: URL): { status: number; message: string } {
  if (method !== "POST") return { status: 405, message: "use POST" };
  const whole = (name: string, fallback?: number): number => {
    const text = url.searchParams.get(name);
    const value = text === null ? fallback : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (value === undefined || Number.isNaN(value)) throw new RangeError(`${name} must be a whole number`);
    return value;
  };
  try {
    const gpu = whole("gpu", 0);
    switch (url.pathname.slice(FAULTS_PATH.length)) {
      case "xid": {
        const code = whole("code", 79);
        faults.xid(gpu, code);
        return { status: 200, message: `GPU ${gpu}: Xid ${code}` };
      }
      case "throttle": {
        const reason = url.searchParams.get("reason") ?? "thermal";
        if (!(THROTTLE_REASONS as readonly string[]).includes(reason))
          throw new RangeError(`reason must be one of ${THROTTLE_REASONS.join(", ")}`);
        const seconds = whole("seconds", 60);
        faults.throttle(gpu, reason as ThrottleReason, seconds);
        return { status: 200, message: `GPU ${gpu}: ${reason} throttling for ${seconds} s` };
      }
      case "row-remap":
        faults.rowRemapFailure(gpu);
        return { status: 200, message: `GPU ${gpu}: row remapping failed` };
      default:
        return { status: 404, message: "faults: xid, throttle, row-remap" };
    }
  } catch (error) {
    return { status: 400, message: (error as Error).message };
  }
}
