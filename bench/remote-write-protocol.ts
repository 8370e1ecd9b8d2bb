/**
 * Prometheus remote-write requests, written by hand: a `WriteRequest` protobuf (three messages, two
 * field types) and snappy's block format with literal chunks only, which any snappy reader accepts.
 * why: a day of 5-second samples for hundreds of instances is billions of samples; text for
 * `promtool tsdb create-blocks-from openmetrics` would need hundreds of GB, and these 80 lines avoid
 * a protobuf toolchain and a native snappy module for one benchmark.
 */

/** A growable byte buffer with the two protobuf encodings we need. */
export class ProtoWriter {
  private buffer: Buffer;
  private position = 0;

  constructor(initialBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.position;
  }

  private ensure(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  varint(value: number): void {
    this.ensure(10);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.position++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.position++] = rest;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buffer.set(data, this.position);
    this.position += data.length;
  }

  double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.position);
    this.position += 8;
  }

  reset(): void {
    this.position = 0;
  }

  view(): Buffer {
    return this.buffer.subarray(0, this.position);
  }
}

function varintLength(value: number): number {
  let length = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length += 1;
  return length;
}

/** The encoded `repeated Label labels = 1` fields of a TimeSeries, labels sorted by name as Prometheus requires. */
export function encodeLabels(labels: Readonly<Record<string, string>>): Buffer {
  const writer = new ProtoWriter(256);
  for (const name of Object.keys(labels).sort()) {
    const key = Buffer.from(name);
    const value = Buffer.from(labels[name] ?? "");
    writer.varint(0x0a);
    writer.varint(2 + varintLength(key.length) + key.length + varintLength(value.length) + value.length);
    writer.varint(0x0a);
    writer.varint(key.length);
    writer.bytes(key);
    writer.varint(0x12);
    writer.varint(value.length);
    writer.bytes(value);
  }
  return Buffer.from(writer.view());
}

const scratch = new ProtoWriter(1 << 16);

/**
 * Appends one `TimeSeries` (field 1 of WriteRequest) with `count` samples: `values[i]` at
 * `firstMillis + i × stepMillis`.
 */
export function appendSeries(
  request: ProtoWriter,
  labels: Buffer,
  values: Float64Array,
  count: number,
  firstMillis: number,
  stepMillis: number,
): void {
  scratch.reset();
  scratch.bytes(labels);
  for (let index = 0; index < count; index += 1) {
    const timestamp = firstMillis + index * stepMillis;
    scratch.varint(0x12);
    scratch.varint(1 + 8 + 1 + varintLength(timestamp));
    scratch.varint(0x09);
    scratch.double(values[index] ?? 0);
    scratch.varint(0x10);
    scratch.varint(timestamp);
  }
  request.varint(0x0a);
  request.varint(scratch.length);
  request.bytes(scratch.view());
}

/** Snappy block format: the uncompressed length, then literal elements of at most 64 KiB. */
export function snappyLiteral(data: Buffer): Buffer {
  const out = new ProtoWriter(data.length + Math.ceil(data.length / 65_536) * 3 + 10);
  out.varint(data.length);
  const header = Buffer.alloc(3);
  for (let offset = 0; offset < data.length; offset += 65_536) {
    const size = Math.min(65_536, data.length - offset);
    // why: tag 61 << 2 says "literal, length − 1 in the next two bytes".
    header[0] = 61 << 2;
    header.writeUInt16LE(size - 1, 1);
    out.bytes(header);
    out.bytes(data.subarray(offset, offset + size));
  }
  return Buffer.from(out.view());
}

/** POSTs one WriteRequest to Prometheus' `/api/v1/write` (started with --web.enable-remote-write-receiver). */
export async function remoteWrite(prometheusUrl: string, request: Buffer): Promise<void> {
  const response = await fetch(`${prometheusUrl}/api/v1/write`, {
    method: "POST",
    headers: { "content-encoding": "snappy", "content-type": "application/x-protobuf", "x-prometheus-remote-write-version": "0.1.0" },
    body: new Uint8Array(snappyLiteral(request)),
    signal: AbortSignal.timeout(300_000),
  });
  if (!response.ok) throw new Error(`remote write: HTTP ${response.status}: ${await response.text()}`);
}
