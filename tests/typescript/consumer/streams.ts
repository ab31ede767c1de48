// Written against tests/typescript/fixtures/tsstream.py: every streaming member, so removing
// one or changing a stream's item type fails `tsc` here, at the line that uses it.
import { connect, TooFar, type RemoteStream } from "graft-tsstream";

export async function main(): Promise<void> {
  const client = await connect({ url: "tcp://127.0.0.1:7470" });
  let sum: number = 0;
  for await (const n of client.tsstream.count(10, "", { timeoutMs: 1000 })) sum += n;
  try {
    for await (const n of client.tsstream.failAfter(3)) sum += n;
  } catch (e) {
    if (e instanceof TooFar) sum += e.at;
  }
  const total: number = await client.tsstream.total([1, 2, 3]);
  async function* words(): AsyncGenerator<string> {
    yield "a";
  }
  for await (const w of client.tsstream.shout(words())) console.log(w.toUpperCase());
  const slow: RemoteStream<number> = client.tsstream.slow(3, 0.1, undefined, { signal: AbortSignal.timeout(50) });
  await slow.close();
  console.log(sum, total);
  await client.close();
}
