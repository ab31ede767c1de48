// The browser page's script: bundled by esbuild with the generated clients, it calls the
// gateway over the browser's own WebSocket and leaves its results on `window.__results`.
import * as shop from "graft-shop";
import * as calculator from "graft-calculator";
import * as tsstream from "graft-tsstream";

const params = new URLSearchParams(location.search);
const url = params.get("ws");
const results = { checks: [], error: null };
const check = (name, ok, detail = "") => results.checks.push({ name, ok: Boolean(ok), detail: String(detail) });

async function main() {
  const calc = await calculator.connect({ url, connectTimeoutMs: 5000 });
  check("add", (await calc.calculator.add(40, 2)) === 42);
  check("float", (await calc.calculator.divide(1, 8)) === 0.125);
  try {
    await calc.calculator.divide(3, 0);
    check("DivisionByZero", false, "no error");
  } catch (e) {
    check("DivisionByZero", e instanceof calculator.DivisionByZero && e.dividend === 3, e);
  }
  const acc = await calc.Accumulator.create(1);
  check("instance", (await acc.add(2)) === 3 && (await acc.getValue()) === 3);
  await acc.close();
  const many = await Promise.all(Array.from({ length: 50 }, (_, i) => calc.calculator.add(i, i)));
  check("50 concurrent", many.every((v, i) => v === 2 * i));

  const s = await shop.connect({ url });
  const p = await s.shop.getProduct("B-1");
  check("record", p.name === "The Left Hand of Darkness" && p.category === shop.Category.BOOKS, JSON.stringify(p));
  const cart = await s.Cart.create("web");
  await cart.add("B-2");
  try {
    await cart.add("B-2", 5);
    check("OutOfStock", false, "no error");
  } catch (e) {
    check("OutOfStock", e instanceof shop.OutOfStock && e.available === 2, e);
  }
  check("cart total", (await cart.getTotal()) === "12.50");
  await cart.close();

  // streams over the browser's WebSocket: for await, break (cancels), a client stream
  const st = await tsstream.connect({ url });
  let next = 0;
  for await (const x of st.tsstream.count(1000)) if (x === next) next++;
  check("stream in order", next === 1000, next);
  let taken = 0;
  for await (const _ of st.tsstream.count(1000000)) if (++taken === 3) break;
  check("stream break", taken === 3 && (await st.tsstream.total([1, 2, 3])) === 6);
  check("client stream", (await st.tsstream.total(Array.from({ length: 100 }, (_, i) => i + 1))) === 5050);
  await Promise.all([calc.close(), s.close(), st.close()]);
}

main()
  .catch((e) => {
    results.error = `${e?.name}: ${e?.message}`;
  })
  .finally(() => {
    window.__results = results;
    document.title = "done";
  });
