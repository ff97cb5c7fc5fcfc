// The Node side of the cross-language tests. Reads one JSON request per line on
// stdin and answers one JSON line per request on stdout, so a single process
// serves a whole Python test module.
import { createInterface } from "node:readline";
import CryptoJS from "crypto-js";
import { LibSodiumEncryptionService } from "@inngest/middleware-encryption/strategies/libSodium";
import { AesGcmEncryptionService } from "../../docs/typescript/aes-gcm.ts";
import { runFunction } from "./functions.ts";

type Request = { op: string; keys?: string[]; value?: unknown; data?: string; [k: string]: unknown };

async function handle(req: Request): Promise<unknown> {
  const keys = req.keys ?? [];
  switch (req.op) {
    case "libsodium.encrypt":
      return new LibSodiumEncryptionService(keys).encrypt(req.value);
    case "libsodium.decrypt":
      return new LibSodiumEncryptionService(keys).decrypt(req.data as string);
    case "aesgcm.encrypt":
      return new AesGcmEncryptionService(keys[0], keys.slice(1)).encrypt(req.value);
    case "aesgcm.decrypt":
      return new AesGcmEncryptionService(keys[0], keys.slice(1)).decrypt(req.data as string);
    case "cryptojs.encrypt":
      return CryptoJS.AES.encrypt(JSON.stringify(req.value), keys[0]).toString();
    case "cryptojs.decrypt":
      return JSON.parse(CryptoJS.AES.decrypt(req.data as string, keys[0]).toString(CryptoJS.enc.Utf8));
    case "function.run":
      return runFunction(req);
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let reply: unknown;
  try {
    reply = { ok: true, result: await handle(JSON.parse(line)) };
  } catch (error) {
    reply = { ok: false, error: String((error as Error)?.message ?? error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
