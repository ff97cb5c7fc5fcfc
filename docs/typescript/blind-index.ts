/**
 * Blind-index tags identical to those of the Python package inngest-codecs
 * (the `indexes` setting, `inngest-codecs index`), for TypeScript producers.
 *
 * Copy this file into your project; it needs Node 18+ and nothing else.
 *
 *   import { blindIndex } from "./blind-index";
 *
 *   const data = { encrypted: { email }, customer_idx: blindIndex(key, "customer", email) };
 *
 * Derivation (docs/format.md): index key = HKDF-SHA256(key bytes, no salt,
 * "inngest-codecs/blind-index/v1" 0x00 name [0x00 tenant], 32); tag =
 * base64url(HMAC-SHA256(index key, UTF-8 of JSON.stringify(normalised value))),
 * unpadded, cut to `bytes`. Keys are trimmed like the Inngest middleware trims them.
 */
import { createHmac, hkdfSync } from "node:crypto";

export const LABEL = "inngest-codecs/blind-index/v1";

/** "trim", "lower", "digits" or "last:N", applied in order. */
export type Normalizer = string;

export interface BlindIndexOptions {
  /** The tenant whose key the value is encrypted under, where keys are per tenant. */
  tenant?: string;
  normalize?: Normalizer[];
  /** Tag length in bytes, 16 to 32 (default 32). */
  bytes?: number;
}

export class BlindIndexError extends Error {}

function normalize(value: unknown, steps: Normalizer[]): unknown {
  for (const step of steps) {
    if (Number.isSafeInteger(value)) value = String(value);
    if (typeof value !== "string") {
      throw new BlindIndexError(`${typeof value} cannot be normalised`);
    }
    const last = /^last:([1-9][0-9]{0,3})$/.exec(step);
    if (step === "trim") value = value.trim();
    else if (step === "lower") value = value.toLowerCase();
    else if (step === "digits") value = value.replace(/[^0-9]/g, "");
    else if (last) value = Array.from(value).slice(-Number(last[1])).join("");
    else throw new BlindIndexError(`unknown normaliser ${JSON.stringify(step)}`);
  }
  return value;
}

/** The bytes a tag is computed over, or undefined for no value. */
function canonical(value: unknown): Buffer | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") {
    if (/[\uD800-\uDFFF]/u.test(value)) {
      throw new BlindIndexError("the value is not valid Unicode text (a lone surrogate)");
    }
    return Buffer.from(JSON.stringify(value), "utf8");
  }
  if (Number.isSafeInteger(value)) return Buffer.from(String(value), "ascii");
  throw new BlindIndexError(`the value is ${typeof value}; an index takes text or an integer`);
}

export function indexKey(key: string | Uint8Array, name: string, tenant?: string): Buffer {
  const material = typeof key === "string" ? Buffer.from(key.trim(), "utf8") : Buffer.from(key);
  let info = Buffer.concat([Buffer.from(LABEL), Buffer.from([0]), Buffer.from(name, "utf8")]);
  if (tenant !== undefined) {
    info = Buffer.concat([info, Buffer.from([0]), Buffer.from(tenant, "utf8")]);
  }
  return Buffer.from(hkdfSync("sha256", material, Buffer.alloc(0), info, 32));
}

/** The tag of `value` under the index `name`, or undefined when there is no value. */
export function blindIndex(
  key: string | Uint8Array,
  name: string,
  value: unknown,
  options: BlindIndexOptions = {},
): string | undefined {
  const bytes = options.bytes ?? 32;
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 32) {
    throw new BlindIndexError("bytes must be a whole number from 16 to 32");
  }
  const message = canonical(normalize(value, options.normalize ?? []));
  if (message === undefined) return undefined;
  const digest = createHmac("sha256", indexKey(key, name, options.tenant)).update(message).digest();
  return digest.subarray(0, bytes).toString("base64url");
}
