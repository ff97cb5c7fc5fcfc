// TypeScript functions run by @inngest/test with the real encryption middleware.
import { Inngest, Middleware } from "inngest";
import { InngestTestEngine } from "@inngest/test";
import { encryptionMiddleware } from "@inngest/middleware-encryption";

// Records what each step handler hands to Inngest, after encryption.
function recorder(sent: unknown[]) {
  return class StepOutputRecorder extends Middleware.BaseMiddleware {
    id = "interop:recorder";
    async wrapStepHandler({ next }: { next: () => Promise<unknown> }) {
      const output = await next();
      sent.push(output);
      return output;
    }
  };
}

export async function runFunction(req: { [k: string]: unknown }): Promise<unknown> {
  const sent: unknown[] = [];
  const inngest = new Inngest({
    id: "ts-app",
    middleware: [recorder(sent), encryptionMiddleware({ key: req.key as string })] as any,
  });
  const seen: unknown[] = [];
  const fn = inngest.createFunction(
    { id: "ts-checkout", triggers: [{ event: "shop/checkout" }] },
    async ({ event, step }) => {
      seen.push(event.data);
      const charged = await step.run("charge", () => ({ card: (event.data as any).encrypted.card }));
      seen.push(charged);
      return { charged, note: "from TypeScript" };
    },
  );
  const t = new InngestTestEngine({ function: fn, events: [req.event as any] });
  const { result, error } = await t.execute();
  if (error) throw error;
  return { result, seen, sent };
}
