export { findFreePort, findFreePorts, isPortFree } from "./ports.js";
export { waitUntil, waitForHttp } from "./wait.js";
export { startProcess, type ManagedProcess, type ExitInfo } from "./child.js";
