// Node end-to-end: every member of the example clients over one gateway URL (ws:// or tcp://).
// Prints {"checks": [{name, ok, detail}]}; the pytest side asserts each one.
import * as shop from "graft-shop";
import * as calculator from "graft-calculator";
import * as fixture from "graft-tsfixture";

const url = process.argv[2];
const checks = [];
const show = (v) => JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? [...x] : x instanceof Map ? [...x] : x));
function check(name, cond, detail = "") {
  checks.push({ name, ok: Boolean(cond), detail: typeof detail === "string" ? detail : show(detail) });
}
async function expectError(name, promise, test) {
  try {
    const v = await promise;
    check(name, false, `resolved with ${show(v)}`);
  } catch (e) {
    let ok = false;
    try {
      ok = test(e);
    } catch {}
    check(name, ok, `${e?.name} code=${e?.code}: ${e?.message}`);
  }
}

async function main() {
  // A default deadline on every call: a gateway that loses an answer fails a check, not the run.
  const options = { url, timeoutMs: 20_000 };
  const calc = await calculator.connect(options);
  check("calc.add", (await calc.calculator.add(1, 2)) === 3);
  check("calc.subtract", (await calc.calculator.subtract(10, 4)) === 6);
  check("calc.multiply", (await calc.calculator.multiply(2.5, 4)) === 10);
  check("calc.multiply whole floats", (await calc.calculator.multiply(2, 3)) === 6);
  check("calc.divide", (await calc.calculator.divide(1, 4)) === 0.25);
  await expectError("calc.divide by zero -> DivisionByZero", calc.calculator.divide(7, 0), (e) =>
    e instanceof calculator.DivisionByZero && e instanceof calculator.RemoteError && e.dividend === 7 && e.typeName === "DivisionByZero" && /divide/.test(e.message),
  );
  check("calc.total keyword", (await calc.calculator.total([1, 2, 3.5], { start: 1 })) === 7.5);
  check("calc.total default", (await calc.calculator.total([])) === 0);
  await expectError("calc.add wrong type is refused locally", calc.calculator.add("1", 2), (e) =>
    e instanceof calculator.GraftError && e.code === calculator.StatusCode.INVALID_ARGUMENT,
  );
  check("static Accumulator.describe", (await calc.Accumulator.describe()) === "a running total");
  const acc = await calc.Accumulator.create(10);
  check("instance is a proxy", acc instanceof calculator.Accumulator && acc.id >= 1, String(acc));
  check("instance method", (await acc.add(5)) === 15);
  check("property get", (await acc.getValue()) === 15);
  await acc.reset();
  check("method returning nothing", (await acc.getValue()) === 0);
  const acc2 = await calc.Accumulator.create();
  await acc2.add(1);
  check("instances are separate", (await acc.getValue()) === 0 && (await acc2.getValue()) === 1);
  await acc[Symbol.asyncDispose]();
  check("released flag", acc.released);
  await expectError("call after release", acc.add(1), (e) => e instanceof calculator.GraftError && e.code === calculator.StatusCode.FAILED_PRECONDITION);
  await acc2.close();

  // 200 concurrent calls on one connection, answered out of order is fine: each must match.
  const many = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => calc.calculator.add(i, 1000)));
  const lost = many.filter((r) => r.status === "rejected");
  check(
    "200 concurrent calls",
    lost.length === 0 && many.every((r, i) => r.value === i + 1000),
    lost.length ? `${lost.length} failed, e.g. ${lost[0].reason}` : "",
  );
  const accs = await Promise.all(Array.from({ length: 20 }, (_, i) => calc.Accumulator.create(i)));
  const vals = await Promise.all(accs.map((a, i) => a.add(i)));
  check("20 concurrent instances", vals.every((v, i) => v === 2 * i));
  await Promise.all(accs.map((a) => a.close()));

  const s = await shop.connect(options);
  const all = await s.shop.listProducts();
  check("shop.listProducts", all.length === 4 && all[0].sku === "B-1", all);
  const books = await s.shop.listProducts(shop.Category.BOOKS, { limit: 1 });
  check("enum argument + keyword", books.length === 1 && books[0].category === "books", books);
  const p = await s.shop.getProduct("B-2");
  check("record fields", p.name === "Piranesi" && p.price === "12.50" && p.tags[0] === "fantasy" && p.stock === 2, p);
  await expectError("declared error NotFound", s.shop.getProduct("nope"), (e) =>
    e instanceof shop.NotFound && e instanceof shop.ShopError && e.sku === "nope" && e.code === shop.StatusCode.UNKNOWN,
  );
  check("async function, decimal", (await s.shop.priceOf("B-1", 3)) === "29.97");
  check("default parameter", (await s.shop.priceOf("B-1")) === "9.99");

  const cart = await s.Cart.create("ann", { currency: "EUR" });
  check("constructor with keyword", cart instanceof shop.Cart);
  check("cart.add", (await cart.add("B-1", 2)) === 2);
  await expectError("declared error OutOfStock with fields", cart.add("G-1", 5), (e) =>
    e instanceof shop.OutOfStock && e.sku === "G-1" && e.requested === 5 && e.available === 1,
  );
  const items = await cart.getItems();
  check("property of records", items.length === 1 && items[0].unitPrice === "9.99" && items[0].quantity === 2, items);
  check("decimal property", (await cart.getTotal()) === "19.98");
  await cart.setNote("gift");
  check("mut property set/get", (await cart.getNote()) === "gift");
  const order = await cart.checkout("leave at the door");
  check("record with enum default", order.customer === "ann" && order.status === shop.OrderStatus.PENDING && order.note === "leave at the door" && order.items.length === 1, order);
  check("cart.remove", (await cart.remove("B-1")) === false);
  const cart2 = await s.Cart.withItems("bob", { "B-2": 1 });
  check("static method returning an instance", cart2 instanceof shop.Cart && (await cart2.getItems()).length === 1);
  await expectError("static method raising", s.Cart.withItems("bob", { "X-9": 1 }), (e) => e instanceof shop.NotFound && e.sku === "X-9");
  await cart.close();
  await cart2.close();

  const fx = await fixture.connect(options);
  await expectError("deadline expires (DeadlineExceeded)", fx.tsfixture.nap(5, { timeoutMs: 200 }), (e) =>
    e instanceof fixture.DeadlineExceeded && e.code === fixture.StatusCode.DEADLINE_EXCEEDED,
  );
  await expectError("deadline expires in a worker thread", fx.tsfixture.sleep(2, { timeoutMs: 100 }), (e) => e instanceof fixture.DeadlineExceeded);
  const ac = new AbortController();
  const pending = fx.tsfixture.nap(5, { signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  await expectError("AbortSignal cancels (Cancelled)", pending, (e) => e instanceof fixture.Cancelled && e.code === fixture.StatusCode.CANCELLED);
  check("connection usable after cancel", (await fx.tsfixture.nap(0)) === 0);
  check("bytes round trip", (await fx.tsfixture.echoBytes(new Uint8Array([0, 1, 255]))).join(",") === "0,1,255");
  const sc = await fx.tsfixture.scores(new Map([[1, 1.5], [2, 2]]));
  check("map<int, float>", sc instanceof Map && sc.get(1) === 3 && sc.get(2) === 4, sc);
  await expectError("int beyond 2^53 is refused, not rounded", fx.tsfixture.big(), (e) => e instanceof fixture.GraftError && e.code === fixture.StatusCode.OUT_OF_RANGE);
  // durations: exact to the microsecond, negative ones floored into seconds, beyond 2^53 µs
  const d1 = await fx.tsfixture.longer({ seconds: 1, microseconds: 250001 });
  check("duration times a factor", d1.seconds === 2 && d1.microseconds === 500002, d1);
  const d2 = await fx.tsfixture.longer({ seconds: 0, microseconds: 5 }, { seconds: -1, microseconds: 0 });
  check("a negative duration", d2.seconds === -1 && d2.microseconds === 5, d2);
  const d3 = await fx.tsfixture.longer({ seconds: 8_000_000_000_000, microseconds: 7 }, 1);
  check("a duration beyond 2^53 microseconds", d3.seconds === 8_000_000_000_000 && d3.microseconds === 7, d3);
  await expectError("a duration is not a number", fx.tsfixture.longer(1500), (e) => e instanceof fixture.GraftError && e.code === fixture.StatusCode.INVALID_ARGUMENT);
  const [kind1, back1] = await fx.tsfixture.pick(3);
  check("union: an integer goes as int", kind1 === "int:kg" && back1 === 3, [kind1, back1]);
  const [kind2] = await fx.tsfixture.pick(2.5, "lb", [1, "a"]);
  check("union float, literal and tuple", kind2 === "float:lb:1a", kind2);
  const [kind3, back3] = await fx.tsfixture.pick("x");
  check("union: a string goes as str", kind3 === "str:kg" && back3 === "x", [kind3, back3]);
  await expectError("a literal outside the set is refused before sending", fx.tsfixture.pick(1, "oz"), (e) => e instanceof fixture.GraftError && e.code === fixture.StatusCode.INVALID_ARGUMENT);
  await expectError("a union value matching no member is refused", fx.tsfixture.pick(true), (e) => e instanceof fixture.GraftError && e.code === fixture.StatusCode.INVALID_ARGUMENT);
  const c1 = await fx.Counter.create(5);
  const c2 = await fx.Counter.create();
  await c2.bump();
  check("proxy passed back as an argument", (await c1.merge(c2)) === 6);
  const c3 = await c1.twin();
  check("method returning a new instance", c3 instanceof fixture.Counter && c3.id !== c1.id && (await c3.bump()) === 7);
  await Promise.all([c1.close(), c2.close(), c3.close()]);
  await expectError("released proxy as an argument", c1.merge(c2), (e) => e.code === fixture.StatusCode.FAILED_PRECONDITION);
  check("default deadline from options", fx.client.options.timeoutMs === 20_000);
  check("PING/PONG round trip", (await fx.client.ping()) >= 0);
  check("server HELLO info", fx.client.serverInfo?.module === "tsfixture" && fx.client.serverInfo?.schema === fixture.SCHEMA_HASH, fx.client.serverInfo);

  await Promise.all([calc.close(), s.close(), fx.close()]);
  await expectError("call after client close", calc.calculator.add(1, 1), (e) => e instanceof calculator.ConnectionLost);

  // Lazy client: connects on first call.
  const lazy = calculator.createClient(options);
  check("lazy client", (await lazy.calculator.add(2, 2)) === 4);
  await lazy.close();
}

try {
  await main();
} catch (e) {
  // an unexpected failure ends the run but still reports what passed before it
  check("the script ran to the end", false, `${e?.name}: ${e?.message}`);
}
process.stdout.write(JSON.stringify({ checks }));
process.exit(0);
