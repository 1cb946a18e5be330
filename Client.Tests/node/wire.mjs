// How the Node scripts of the tests exchange values with the NUnit side: binary crosses the
// process boundary as {"$binary": "<base64>"} markers (with a "$type" when it arrived as anything
// but a Buffer), and large inputs come on stdin.

// {"$binary": base64} markers -> Buffers, recursively.
export function fromWire(value) {
  if (Array.isArray(value)) {
    return value.map(fromWire);
  }
  if (value !== null && typeof value === "object") {
    if (typeof value.$binary === "string" && Object.keys(value).length === 1) {
      return Buffer.from(value.$binary, "base64");
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromWire(item)]));
  }
  return value;
}

// Buffers (and any other binary) -> {"$binary": base64} markers, recursively.
export function toWire(value) {
  if (Buffer.isBuffer(value)) {
    return { $binary: value.toString("base64") };
  }
  if (value instanceof ArrayBuffer) {
    return { $binary: Buffer.from(value).toString("base64"), $type: "ArrayBuffer" };
  }
  if (ArrayBuffer.isView(value)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { $binary: bytes.toString("base64"), $type: value.constructor.name };
  }
  if (Array.isArray(value)) {
    return value.map(toWire);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toWire(item)]));
  }
  return value;
}

export async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
