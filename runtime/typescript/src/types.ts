/**
 * Runtime type descriptors and the conversion between typed TypeScript values and wire values.
 *
 * Generated code describes each parameter, result, record and error field with a {@link TypeDesc};
 * the client converts arguments to wire values on the way out (checking them, so plain-JS callers
 * get a clear error before anything is sent) and results back on the way in (checking what the
 * gateway sent). The mapping is the one in docs/type-mapping.md.
 */
import { GraftError, StatusCode } from "./errors.js";
import { Float64, WireMap } from "./msgpack.js";

export type PrimitiveKind =
  | "bool"
  | "int"
  | "float"
  | "str"
  | "bytes"
  | "none"
  | "date"
  | "datetime"
  | "time"
  | "decimal"
  | "uuid"
  | "duration";

/**
 * A duration as callers hold it: whole seconds (any sign) and the microseconds past them
 * (0 to 999999 in results; any integer is accepted in arguments). It is exact over the wire's
 * whole range (an int64 of microseconds), which a `number` of milliseconds is not, and it cannot
 * be taken for a plain number where a union offers both.
 */
export interface Duration {
  readonly seconds: number;
  readonly microseconds: number;
}

export interface FieldDesc {
  /** The property name in TypeScript (camelCase). */
  readonly name: string;
  /** The field's IDL name, used on the wire. */
  readonly wire: string;
  readonly type: TypeDesc;
  /** Present when the field has a default: makes a fresh default value. */
  readonly default?: () => unknown;
}

export type TypeDesc =
  | { readonly kind: PrimitiveKind }
  | { readonly kind: "optional"; readonly inner: TypeDesc }
  | { readonly kind: "list"; readonly item: TypeDesc }
  | { readonly kind: "map"; readonly key: TypeDesc; readonly value: TypeDesc }
  | { readonly kind: "record"; readonly name: string; readonly fields: () => readonly FieldDesc[] }
  | { readonly kind: "enum"; readonly name: string; readonly values: readonly (string | number)[] }
  | { readonly kind: "instance"; readonly name: string }
  | { readonly kind: "union"; readonly members: readonly UnionMember[] }
  | { readonly kind: "literal"; readonly values: readonly (string | number)[] }
  | { readonly kind: "tuple"; readonly items: readonly TypeDesc[] }
  /** `stream<T>`: only a member's result or one parameter; its items travel one by one. */
  | { readonly kind: "stream"; readonly item: TypeDesc };

/** A union member: its tag on the wire (the member's IDL text) and its type. */
export type UnionMember = readonly [tag: string, type: TypeDesc];

/** Constructors for descriptors, used by generated code. */
export const t = {
  bool: { kind: "bool" } as TypeDesc,
  int: { kind: "int" } as TypeDesc,
  float: { kind: "float" } as TypeDesc,
  str: { kind: "str" } as TypeDesc,
  bytes: { kind: "bytes" } as TypeDesc,
  none: { kind: "none" } as TypeDesc,
  date: { kind: "date" } as TypeDesc,
  datetime: { kind: "datetime" } as TypeDesc,
  time: { kind: "time" } as TypeDesc,
  decimal: { kind: "decimal" } as TypeDesc,
  uuid: { kind: "uuid" } as TypeDesc,
  duration: { kind: "duration" } as TypeDesc,
  optional: (inner: TypeDesc): TypeDesc => ({ kind: "optional", inner }),
  list: (item: TypeDesc): TypeDesc => ({ kind: "list", item }),
  map: (key: TypeDesc, value: TypeDesc): TypeDesc => ({ kind: "map", key, value }),
  record: (name: string, fields: () => readonly FieldDesc[]): TypeDesc => ({
    kind: "record",
    name,
    fields,
  }),
  enum: (name: string, values: readonly (string | number)[]): TypeDesc => ({
    kind: "enum",
    name,
    values,
  }),
  instance: (name: string): TypeDesc => ({ kind: "instance", name }),
  union: (members: readonly UnionMember[]): TypeDesc => ({ kind: "union", members }),
  literal: (values: readonly (string | number)[]): TypeDesc => ({ kind: "literal", values }),
  tuple: (items: readonly TypeDesc[]): TypeDesc => ({ kind: "tuple", items }),
  stream: (item: TypeDesc): TypeDesc => ({ kind: "stream", item }),
} as const;

/** A stream is never a value: the client sends and takes its items one at a time. */
function notAValue(path: string): GraftError {
  return new GraftError(`${path}: a stream is not a value`, StatusCode.INTERNAL);
}

/** How instance references cross the wire; the client supplies it. */
export interface InstanceCodec {
  /** The wire value for a proxy the caller passes as an argument. */
  toWire(className: string, value: unknown): unknown;
  /** A proxy for a reference the gateway returned. */
  fromWire(className: string, wire: unknown): unknown;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MICROS = 1_000_000n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** A Duration's wire value: its microseconds, a number when safe and a bigint beyond that. */
function durationToWire(v: unknown, path: string): number | bigint {
  const d = v as Partial<Duration> | null;
  if (
    d === null ||
    typeof d !== "object" ||
    !Number.isSafeInteger(d.seconds) ||
    !Number.isSafeInteger(d.microseconds)
  ) {
    throw badArg(path, "a duration { seconds, microseconds } of integers", v);
  }
  const total = BigInt(d.seconds as number) * MICROS + BigInt(d.microseconds as number);
  if (total < INT64_MIN || total > INT64_MAX) {
    throw badArg(path, "a duration within ±2^63 microseconds", v);
  }
  return total >= -SAFE_MAX && total <= SAFE_MAX ? Number(total) : total;
}

/** A duration from its wire value: microseconds floored into seconds, the rest 0 to 999999. */
function durationFromWire(w: unknown, path: string): Duration {
  if (!(typeof w === "bigint" || (typeof w === "number" && Number.isInteger(w)))) {
    throw badWire(path, "a duration (an integer of microseconds)", w);
  }
  const total = BigInt(w);
  let micros = total % MICROS;
  if (micros < 0n) micros += MICROS;
  return { seconds: Number((total - micros) / MICROS), microseconds: Number(micros) };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Uint8Array) return "bytes";
  return typeof v === "object"
    ? "an object"
    : `${typeof v} ${JSON.stringify(String(v)).slice(0, 40)}`;
}

function badArg(path: string, expected: string, v: unknown): GraftError {
  return new GraftError(
    `${path}: expected ${expected}, got ${describe(v)}`,
    StatusCode.INVALID_ARGUMENT,
  );
}

/** Convert a typed value to its wire form, checking it against `type`. `path` names it in errors. */
export function toWire(type: TypeDesc, v: unknown, path: string, inst: InstanceCodec): unknown {
  switch (type.kind) {
    case "bool":
      if (typeof v !== "boolean") throw badArg(path, "a boolean", v);
      return v;
    case "int":
      if (typeof v === "number" && Number.isSafeInteger(v)) return v;
      if (typeof v === "bigint" && v >= INT64_MIN && v <= INT64_MAX) return v;
      throw badArg(path, "an integer (a safe-integer number, or a bigint within 64 bits)", v);
    case "float":
      if (typeof v !== "number") throw badArg(path, "a number", v);
      return new Float64(v);
    case "str":
    case "time":
    case "uuid":
      if (typeof v !== "string") throw badArg(path, "a string", v);
      return v;
    case "date":
    case "datetime":
      if (v instanceof Date) {
        if (Number.isNaN(v.getTime())) throw badArg(path, "a valid Date", v);
        return type.kind === "date" ? v.toISOString().slice(0, 10) : v.toISOString();
      }
      if (typeof v !== "string") throw badArg(path, "an ISO 8601 string or a Date", v);
      return v;
    case "decimal":
      if (typeof v === "number" && Number.isFinite(v)) return String(v);
      if (typeof v === "bigint") return v.toString();
      if (typeof v !== "string") throw badArg(path, "a decimal string", v);
      return v;
    case "duration":
      return durationToWire(v, path);
    case "bytes":
      if (v instanceof Uint8Array) return v;
      if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      if (v instanceof ArrayBuffer) return new Uint8Array(v);
      throw badArg(path, "a Uint8Array", v);
    case "none":
      if (v !== null && v !== undefined) throw badArg(path, "null", v);
      return null;
    case "optional":
      return v === null || v === undefined ? null : toWire(type.inner, v, path, inst);
    case "list":
      if (!Array.isArray(v)) throw badArg(path, "an array", v);
      return v.map((item, i) => toWire(type.item, item, `${path}[${i}]`, inst));
    case "map": {
      const entries: [unknown, unknown][] = [];
      const source: Iterable<[unknown, unknown]> =
        v instanceof Map
          ? v.entries()
          : v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)
            ? Object.entries(v)
            : (() => {
                throw badArg(path, "a Map or a plain object", v);
              })();
      for (const [k, val] of source) {
        let key: unknown = k;
        if (type.key.kind === "int" && typeof k === "string" && /^-?\d+$/.test(k)) key = Number(k);
        entries.push([
          toWire(type.key, key, `${path} key`, inst),
          toWire(type.value, val, `${path}[${String(k)}]`, inst),
        ]);
      }
      return type.key.kind === "str" ? Object.fromEntries(entries) : new WireMap(entries);
    }
    case "record": {
      if (v === null || typeof v !== "object" || Array.isArray(v))
        throw badArg(path, `a ${type.name}`, v);
      const obj = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of type.fields()) {
        const value = obj[f.name];
        if (value === undefined) {
          if (f.default !== undefined) continue; // the receiver fills in defaults
          if (f.type.kind === "optional") {
            out[f.wire] = null;
            continue;
          }
          throw new GraftError(
            `${path}.${f.name}: missing required field of ${type.name}`,
            StatusCode.INVALID_ARGUMENT,
          );
        }
        out[f.wire] = toWire(f.type, value, `${path}.${f.name}`, inst);
      }
      return out;
    }
    case "enum":
      if (!type.values.includes(v as string | number)) {
        throw badArg(
          path,
          `one of ${type.name}'s values (${type.values.map((x) => JSON.stringify(x)).join(", ")})`,
          v,
        );
      }
      return v;
    case "instance":
      return inst.toWire(type.name, v);
    case "union":
      return unionToWire(type.members, v, path, inst);
    case "literal":
      if (!type.values.includes(v as string | number)) {
        throw badArg(path, `one of ${type.values.map((x) => JSON.stringify(x)).join(" | ")}`, v);
      }
      return v;
    case "tuple":
      if (!Array.isArray(v) || v.length !== type.items.length) {
        throw badArg(path, `an array of ${type.items.length} items`, v);
      }
      return type.items.map((item, i) => toWire(item, v[i], `${path}[${i}]`, inst));
    case "stream":
      throw notAValue(path);
  }
}

/**
 * A union value travels as `[tag, value]` (docs/protocol.md section 6.3.1). TypeScript values carry
 * no member name, so the member is the first that accepts the value, after an integer has been
 * offered to an `int` member first (so `3` is an int in `float | int`).
 */
function unionToWire(
  members: readonly UnionMember[],
  v: unknown,
  path: string,
  inst: InstanceCodec,
): unknown {
  const integer = typeof v === "bigint" || (typeof v === "number" && Number.isSafeInteger(v));
  const ordered = integer ? [...members.filter(([, m]) => m.kind === "int"), ...members] : members;
  for (const [tag, member] of ordered) {
    try {
      return [tag, toWire(member, v, path, inst)];
    } catch (e) {
      if (!(e instanceof GraftError)) throw e;
    }
  }
  throw badArg(path, `a value of one of ${members.map(([tag]) => tag).join(" | ")}`, v);
}

/** A result that does not match its declared type (docs/protocol.md section 6: DATA_LOSS). */
function badWire(path: string, expected: string, v: unknown): GraftError {
  return new GraftError(`${path}: expected ${expected}, got ${describe(v)}`, StatusCode.DATA_LOSS);
}

/** Convert a wire value the gateway sent to its typed form, checking it against `type`. */
export function fromWire(type: TypeDesc, w: unknown, path: string, inst: InstanceCodec): unknown {
  switch (type.kind) {
    case "bool":
      if (typeof w !== "boolean") throw badWire(path, "a boolean", w);
      return w;
    case "int":
      if (typeof w === "number" && Number.isInteger(w)) return w;
      if (typeof w === "bigint") {
        throw new GraftError(
          `${path}: the integer ${w} is beyond JavaScript's safe range (2^53); it cannot be a number without rounding`,
          StatusCode.OUT_OF_RANGE,
        );
      }
      throw badWire(path, "an integer", w);
    case "float":
      if (typeof w === "number") return w;
      if (typeof w === "bigint") return Number(w);
      throw badWire(path, "a number", w);
    case "str":
    case "date":
    case "datetime":
    case "time":
    case "decimal":
    case "uuid":
      if (typeof w !== "string") throw badWire(path, "a string", w);
      return w;
    case "duration":
      return durationFromWire(w, path);
    case "bytes":
      if (!(w instanceof Uint8Array)) throw badWire(path, "bytes", w);
      return w;
    case "none":
      if (w !== null) throw badWire(path, "nil", w);
      return null;
    case "optional":
      return w === null || w === undefined ? null : fromWire(type.inner, w, path, inst);
    case "list":
      if (!Array.isArray(w)) throw badWire(path, "an array", w);
      return w.map((item, i) => fromWire(type.item, item, `${path}[${i}]`, inst));
    case "map": {
      if (w === null || typeof w !== "object" || Array.isArray(w) || w instanceof Uint8Array) {
        throw badWire(path, "a map", w);
      }
      const entries = Object.entries(w as Record<string, unknown>);
      if (type.key.kind === "str") {
        const out: Record<string, unknown> = {};
        for (const [k, val] of entries) out[k] = fromWire(type.value, val, `${path}[${k}]`, inst);
        return out;
      }
      const out = new Map<unknown, unknown>();
      for (const [k, val] of entries) {
        out.set(
          fromWire(type.key, Number(k), `${path} key`, inst),
          fromWire(type.value, val, `${path}[${k}]`, inst),
        );
      }
      return out;
    }
    case "record": {
      if (w === null || typeof w !== "object" || Array.isArray(w) || w instanceof Uint8Array) {
        throw badWire(path, `a ${type.name} map`, w);
      }
      const obj = w as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of type.fields()) {
        const value = Object.prototype.hasOwnProperty.call(obj, f.wire) ? obj[f.wire] : undefined;
        if (value === undefined) {
          if (f.default !== undefined) out[f.name] = f.default();
          else if (f.type.kind === "optional") out[f.name] = null;
          else
            throw new GraftError(
              `${path}: missing field '${f.wire}' of ${type.name}`,
              StatusCode.DATA_LOSS,
            );
          continue;
        }
        out[f.name] = fromWire(f.type, value, `${path}.${f.name}`, inst);
      }
      return out;
    }
    case "enum":
      // Closed enums, as the protocol says: a value this client does not know is rejected.
      if (!type.values.includes(w as string | number))
        throw badWire(path, `a ${type.name} value`, w);
      return w;
    case "instance":
      return inst.fromWire(type.name, w);
    case "union": {
      if (!Array.isArray(w) || w.length !== 2 || typeof w[0] !== "string") {
        throw badWire(path, "a tagged union value [member, value]", w);
      }
      const member = type.members.find(([tag]) => tag === w[0]);
      if (member === undefined) throw badWire(path, "a member of the union", w[0]);
      return fromWire(member[1], w[1], path, inst);
    }
    case "literal":
      if (!type.values.includes(w as string | number)) throw badWire(path, "a literal", w);
      return w;
    case "tuple":
      if (!Array.isArray(w) || w.length !== type.items.length) {
        throw badWire(path, `an array of ${type.items.length} items`, w);
      }
      return type.items.map((item, i) => fromWire(item, w[i], `${path}[${i}]`, inst));
    case "stream":
      throw notAValue(path);
  }
}
