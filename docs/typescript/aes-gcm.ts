/**
 * AES-256-GCM for @inngest/middleware-encryption, compatible with the Python
 * package inngest-codecs (codec "aes-gcm", strategy "inngest-codecs/aes-256-gcm").
 *
 * Copy this file into your project; it needs Node 18+ and nothing else.
 *
 *   import { encryptionMiddleware } from "@inngest/middleware-encryption";
 *   import { AesGcmEncryptionService } from "./aes-gcm";
 *
 *   const inngest = new Inngest({
 *     id: "my-app",
 *     middleware: [
 *       encryptionMiddleware({
 *         key: process.env.MY_KEY!,
 *         encryptionService: new AesGcmEncryptionService(process.env.MY_KEY!, [
 *           process.env.MY_OLD_KEY!,
 *         ]),
 *       }),
 *     ],
 *   });
 *
 * Format (docs/format.md): data = base64(header || nonce (12) || ciphertext ||
 * tag (16)); header = version 0x01 || key id (4), or, for a value bound to its
 * place, version 0x02 || key id (4) || place length (2, big-endian) || place;
 * key = HKDF-SHA256(key bytes, no salt, "inngest-codecs/aes-256-gcm/v1 key", 32);
 * key id = HKDF-SHA256(key bytes, no salt, "inngest-codecs/aes-256-gcm/v1 key id",
 * 4); associated data = header || strategy. Keys are trimmed like the Inngest
 * middleware trims them.
 *
 * The middleware hands a service the value only, never where it is, so this
 * service writes values bound to no place (version 1) and opens bound ones
 * (version 2) without checking their place: the check is the Python side's.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export const STRATEGY = "inngest-codecs/aes-256-gcm";
const VERSION = 1;
const BOUND_VERSION = 2;
const HEADER = 5;
const NONCE = 12;
const TAG = 16;

interface DerivedKey {
  id: Buffer;
  secret: Buffer;
}

function derive(key: string): DerivedKey {
  const material = Buffer.from(key, "utf8");
  const hkdf = (info: string, length: number) =>
    Buffer.from(hkdfSync("sha256", material, Buffer.alloc(0), info, length));
  return {
    secret: hkdf("inngest-codecs/aes-256-gcm/v1 key", 32),
    id: hkdf("inngest-codecs/aes-256-gcm/v1 key id", 4),
  };
}

export class AesGcmEncryptionService {
  public readonly identifier = STRATEGY;
  private readonly primary: DerivedKey;
  private readonly keys: DerivedKey[];

  constructor(key: string, fallbackKeys: string[] = []) {
    const trimmed = [key, ...fallbackKeys].map((k) => (k ?? "").trim());
    if (!trimmed[0] || trimmed.some((k) => !k)) {
      throw new Error("Missing or empty encryption key");
    }
    this.keys = trimmed.map(derive);
    this.primary = this.keys[0];
  }

  encrypt(value: unknown): string {
    const header = Buffer.from([VERSION, ...this.primary.id]);
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv("aes-256-gcm", this.primary.secret, nonce);
    cipher.setAAD(Buffer.concat([header, Buffer.from(STRATEGY, "ascii")]));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
    return Buffer.concat([header, nonce, body, cipher.getAuthTag()]).toString("base64");
  }

  decrypt(data: string): unknown {
    const blob = Buffer.from(data, "base64");
    const bound = blob[0] === BOUND_VERSION && blob.length >= HEADER + 2;
    const headerSize = bound ? HEADER + 2 + blob.readUInt16BE(HEADER) : HEADER;
    if (blob.length < headerSize + NONCE + TAG || (blob[0] !== VERSION && !bound)) {
      throw new Error("Not an aes-gcm value of format version 1 or 2");
    }
    const header = blob.subarray(0, headerSize);
    const keyId = header.subarray(1, HEADER);
    const candidates = this.keys.filter((k) => k.id.equals(keyId));
    for (const key of candidates) {
      try {
        const nonce = blob.subarray(headerSize, headerSize + NONCE);
        const decipher = createDecipheriv("aes-256-gcm", key.secret, nonce);
        decipher.setAAD(Buffer.concat([header, Buffer.from(STRATEGY, "ascii")]));
        decipher.setAuthTag(blob.subarray(blob.length - TAG));
        const plain = Buffer.concat([
          decipher.update(blob.subarray(headerSize + NONCE, blob.length - TAG)),
          decipher.final(),
        ]);
        return JSON.parse(plain.toString("utf8"));
      } catch {
        continue;
      }
    }
    throw new Error(`No configured key opens this value (key id ${keyId.toString("hex")})`);
  }
}
