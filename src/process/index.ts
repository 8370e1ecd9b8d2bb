export { findFreePort, findFreePorts, isPortFree } from "./ports.js";
export { waitUntil, waitForHttp, type WaitOptions } from "./wait.js";
export { startProcess, type ManagedProcess, type StartOptions, type ExitInfo } from "./child.js";
