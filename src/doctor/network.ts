import { lookup } from "node:dns/promises";
import { connect as connectTcp, isIP } from "node:net";
import { checkServerIdentity, connect as connectTls, type PeerCertificate } from "node:tls";

export type ResolveResult = { readonly ok: true; readonly addresses: readonly string[] } | { readonly ok: false; readonly code: string };

/** Resolves a host name the way the HTTP client will (getaddrinfo); IP literals pass through. */
export async function resolveHost(host: string, timeoutMs: number): Promise<ResolveResult> {
  const bare = unbracket(host);
  if (isIP(bare) !== 0) return { ok: true, addresses: [bare] };
  try {
    const addresses = await withTimeout(lookup(bare, { all: true }), timeoutMs);
    if (addresses === undefined) return { ok: false, code: "ETIMEOUT" };
    return { ok: true, addresses: addresses.map((entry) => entry.address) };
  } catch (error) {
    return { ok: false, code: errorCode(error) };
  }
}

export type ConnectResult = { readonly ok: true } | { readonly ok: false; readonly code: string };

/** Opens and closes a TCP connection; `ETIMEDOUT` when nothing answers within `timeoutMs`. */
export async function probeTcp(host: string, port: number, timeoutMs: number): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: unbracket(host), port });
    const timer = setTimeout(() => finish({ ok: false, code: "ETIMEDOUT" }), timeoutMs);
    function finish(result: ConnectResult): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.once("connect", () => finish({ ok: true }));
    socket.once("error", (error) => finish({ ok: false, code: errorCode(error) }));
  });
}

export interface TlsHandshake {
  /** The handshake completed (the certificate may still be untrusted). */
  readonly completed: boolean;
  /** OpenSSL/node code of a failed handshake (`ERR_SSL_WRONG_VERSION_NUMBER`, `ECONNRESET`, `ETIMEDOUT`…). */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Why the certificate is not trusted (`DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`…). */
  readonly authorizationError?: string;
  /** DNS names and IPs the certificate is valid for, e.g. `DNS:localhost, IP Address:127.0.0.1`. */
  readonly certificateNames?: string;
  readonly certificateSubject?: string;
}

/**
 * Performs a TLS handshake without rejecting the certificate, so the outcome can be explained:
 * the chain error, or a hostname that the certificate does not cover.
 */
export async function probeTls(host: string, port: number, options: { caPem?: string; timeoutMs: number }): Promise<TlsHandshake> {
  const bare = unbracket(host);
  return new Promise((resolve) => {
    const socket = connectTls({
      host: bare,
      port,
      // why: SNI must be a name; node warns when it is given an IP address.
      ...(isIP(bare) === 0 ? { servername: bare } : {}),
      ...(options.caPem !== undefined ? { ca: options.caPem } : {}),
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => finish({ completed: false, errorCode: "ETIMEDOUT" }), options.timeoutMs);
    function finish(result: TlsHandshake): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.once("secureConnect", () => {
      const certificate: PeerCertificate = socket.getPeerCertificate();
      // why: node checks the name only when the chain verified; check it ourselves to report both.
      const nameError = checkServerIdentity(bare, certificate);
      const chainError = socket.authorizationError === null ? undefined : String(socket.authorizationError);
      const authorizationError =
        chainError ?? (nameError === undefined ? undefined : ((nameError as NodeJS.ErrnoException).code ?? nameError.message));
      finish({
        completed: true,
        ...(authorizationError !== undefined ? { authorizationError } : {}),
        certificateNames: certificate.subjectaltname ?? "",
        certificateSubject: [certificate.subject?.CN ?? ""].flat().join(", "),
      });
    });
    socket.once("error", (error) => finish({ completed: false, errorCode: errorCode(error), errorMessage: error.message }));
  });
}

/** `[::1]` → `::1`; other hosts unchanged. */
export function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** Splits `host:port` (IPv6 in brackets). */
export function splitAddress(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(":");
  return { host: address.slice(0, index), port: Number(address.slice(index + 1)) };
}

export function errorCode(error: unknown): string {
  if (error !== null && typeof error === "object" && "code" in error && typeof error.code === "string") return error.code;
  return error instanceof Error ? error.message : String(error);
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
