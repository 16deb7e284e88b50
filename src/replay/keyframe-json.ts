/**
 * The JSON form of the small structured parts of a keyframe (hart and device state, clock,
 * scheduler): plain JSON, except for the values JSON cannot carry exactly, which become
 * one-key-pair objects {"$": tag, "v": text}:
 *   - typed arrays: tag = constructor name ("Uint8Array", "Int32Array", ...), v = base64 of the bytes;
 *   - bigints: tag "bigint", v = decimal;
 *   - numbers JSON would lose: tag "number", v = "Infinity", "-Infinity", "NaN" or "-0".
 * Any other object must be a plain object or array (a Map, a class instance is refused), and
 * no plain object may have a "$" key, so decoding is unambiguous.
 */

/** State that cannot be written as a keyframe, or keyframe JSON that does not decode. */
export class KeyframeJsonError extends Error {
  override name = 'KeyframeJsonError';
}

const TYPED: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = {
  Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array,
  BigInt64Array, BigUint64Array, Uint8ClampedArray,
};

function replacer(this: unknown, _key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return { $: 'bigint', v: v.toString() };
  if (typeof v === 'number') {
    if (Number.isFinite(v) && !Object.is(v, -0)) return v;
    return { $: 'number', v: Object.is(v, -0) ? '-0' : String(v) };
  }
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    if (!(name in TYPED)) throw new KeyframeJsonError(`cannot store a ${name} in a keyframe`);
    return { $: name, v: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  }
  if (Array.isArray(v)) return v;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new KeyframeJsonError(`cannot store a ${(v as object).constructor?.name ?? 'non-plain object'} in a keyframe`);
  }
  // (An object returned above is not passed to the replacer again, only its members.)
  if (Object.prototype.hasOwnProperty.call(v, '$')) throw new KeyframeJsonError('state objects may not have a "$" key');
  return v;
}

/** Replace the tagged values in parsed JSON, in place (faster than a JSON.parse reviver, which is called for every value). */
function revive(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = revive(v[i]);
    return v;
  }
  const o = v as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(o, '$')) return tagged(o);
  for (const k of Object.keys(o)) {
    // (Assigning it would set the object's prototype; no state has such a key.)
    if (k === '__proto__') throw new KeyframeJsonError('state objects may not have a "__proto__" key');
    o[k] = revive(o[k]);
  }
  return o;
}

function tagged(v: object): unknown {
  const o = v as { $: unknown; v: unknown };
  if (typeof o.$ !== 'string' || typeof o.v !== 'string' || Object.keys(o).length !== 2) {
    throw new KeyframeJsonError('malformed tagged value in keyframe state');
  }
  if (o.$ === 'bigint') {
    if (!/^-?\d+$/.test(o.v)) throw new KeyframeJsonError(`bad bigint ${JSON.stringify(o.v)} in keyframe state`);
    return BigInt(o.v);
  }
  if (o.$ === 'number') {
    const n = ({ Infinity, '-Infinity': -Infinity, NaN, '-0': -0 } as Record<string, number>)[o.v];
    if (n === undefined) throw new KeyframeJsonError(`bad number ${JSON.stringify(o.v)} in keyframe state`);
    return n;
  }
  const Ctor = TYPED[o.$];
  if (!Ctor) throw new KeyframeJsonError(`unknown value type ${JSON.stringify(o.$)} in keyframe state`);
  const bytes = Buffer.from(o.v, 'base64');
  const el = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (bytes.length % el !== 0) throw new KeyframeJsonError(`${o.$} of ${bytes.length} bytes in keyframe state`);
  // A fresh, aligned buffer of its own (not a view into the decoded file).
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return new Ctor(buf);
}

/** State to JSON text (see the module comment). Throws KeyframeJsonError for what it cannot hold. */
export function stateToJson(v: unknown): string {
  return JSON.stringify(v, replacer);
}

/** JSON text back to state. Throws KeyframeJsonError (or SyntaxError wrapped as one). */
export function stateFromJson(text: string): unknown {
  try {
    return revive(JSON.parse(text));
  } catch (e) {
    if (e instanceof KeyframeJsonError) throw e;
    throw new KeyframeJsonError(`keyframe state is not valid JSON: ${(e as Error).message}`);
  }
}
