// Written against inventory v1: touches every public member, so any breaking change in a
// regenerated client fails `tsc` here, at the line that uses the member.
import { connect, Missing, Unit, type Item } from "graft-inventory";

export async function main(): Promise<void> {
  const client = await connect({ url: "tcp://127.0.0.1:7470" });
  const item: Item = await client.inventory.get("A-1");
  const n: number = item.count + 1;
  const unit: Unit = item.unit;
  const stored: boolean = await client.inventory.put({ sku: "A-2", count: n, unit: Unit.BOX });
  const counted: number = await client.inventory.count("A-1", { exact: true, timeoutMs: 500 });
  const placed: string | number = await client.inventory.place("A-1", 7, "fast", [1, 2]);
  await client.inventory.place("A-1", "east");
  const shelf = await client.Shelf.create("top");
  const added: number = await shelf.add("A-1", 2);
  const label: string = await shelf.getLabel();
  await shelf.setLabel(label + "!");
  await shelf.close();
  {
    await using scoped = await client.Shelf.create("scoped"); // released at the end of the block
    await scoped.add("A-3");
  }
  try {
    await client.inventory.get("nope");
  } catch (e) {
    if (e instanceof Missing) console.log(e.sku);
  }
  console.log(stored, counted, added, unit, placed);
  await client.close();
}
