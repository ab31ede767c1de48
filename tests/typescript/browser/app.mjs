// The browser page's script: bundled by esbuild with the generated clients, it calls the
// gateway over the browser's own WebSocket and leaves its results on `window.__results`.
import * as shop from "graft-shop";
import * as calculator from "graft-calculator";

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
  await Promise.all([calc.close(), s.close()]);
}

main()
  .catch((e) => {
    results.error = `${e?.name}: ${e?.message}`;
  })
  .finally(() => {
    window.__results = results;
    document.title = "done";
  });
