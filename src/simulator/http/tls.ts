import { generate } from "selfsigned";

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

/**
 * A self-signed certificate for localhost, 127.0.0.1, ::1 and `host`, marked as a CA so it can
 * be given to Prometheus as `tls_config.ca_file` directly.
 */
export async function selfSignedCertificate(host: string): Promise<TlsMaterial> {
  const isIp = /^[\d.]+$|:/.test(host);
  const altNames = [
    { type: 2 as const, value: "localhost" },
    { type: 7 as const, ip: "127.0.0.1" },
    { type: 7 as const, ip: "::1" },
    ...(host === "localhost" || host === "127.0.0.1" || host === "0.0.0.0" || host === "::"
      ? []
      : [isIp ? { type: 7 as const, ip: host } : { type: 2 as const, value: host }]),
  ];
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 365 * 24 * 3600 * 1000);
  const pems = await generate([{ name: "commonName", value: "vllm-monitor simulator" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
