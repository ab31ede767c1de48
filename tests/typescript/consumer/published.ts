// An application using the published packages (the runtime and generated clients installed by
// npm, with their .d.ts) the way a new user would, compiled under several ordinary tsconfig
// setups (test_typed_consumer.py). It uses no `await using`: that needs the application's own
// lib (ESNext.Disposable, or @types/node), whatever the packages declare.
import {
  Client,
  GraftError,
  RemoteInstance,
  StatusCode,
  decode,
  encode,
  protocol,
  statusName,
  type CallOptions,
  type ClientOptions,
} from "graftcode-runtime";
import * as core from "graftcode-runtime/core";
import { connect as connectShop, Category, NotFound, type Product } from "graft-shop";
import { createClient as calculator } from "graft-calculator";

export async function main(): Promise<void> {
  const options: ClientOptions = { url: "tcp://127.0.0.1:7470", metadata: { "X-Tenant": "acme" } };
  const shop = await connectShop(options);
  const ac = new AbortController();
  const call: CallOptions = { timeoutMs: 500, signal: ac.signal, metadata: { "x-request-id": "r-1" } };
  const books: Product[] = await shop.shop.listProducts(Category.BOOKS, { limit: 3, ...call });
  const cart = await shop.Cart.create("ann", { currency: "EUR" });
  const held: number = await cart.add("B-1", 2);
  const proxy: RemoteInstance = cart;
  await proxy[Symbol.asyncDispose]();
  try {
    await shop.shop.getProduct("nope");
  } catch (e) {
    if (e instanceof NotFound) console.log(e.sku);
    else if (e instanceof GraftError && e.code === StatusCode.DEADLINE_EXCEEDED)
      console.log(statusName(e.code));
  }
  const client: Client = shop.client;
  const disposer: () => Promise<void> = client[Symbol.asyncDispose].bind(client);
  const bytes: Uint8Array = encode([1, "two", null]);
  const back: unknown = decode(bytes);
  const ref: core.InstanceRef = new core.InstanceRef("Cart", 1);
  const ext = protocol.encodeInstanceRef(ref);
  const calc = calculator();
  console.log(books.length, held, back, ext.type, disposer);
  await calc[Symbol.asyncDispose]();
  await shop.close();
}
