/**
 * Salesforce record ids: 15 case-sensitive base-62 characters (the object's key prefix, the pod
 * the record was made on, a reserved character and a serial number), and the 18-character form
 * the API serves, whose last three characters encode which letters are upper case so that the
 * id survives tools that ignore case (spreadsheets, case-insensitive comparisons).
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const SERIAL_DIGITS = 9;
const ID15 = /^[0-9A-Za-z]{15}$/;
const ID18 = /^[0-9A-Za-z]{18}$/;

/** The pod characters of the sandbox's first org; later orgs get the next pods. */
export const FIRST_POD = '5g';

function isUpper(char: string): boolean {
  return char >= 'A' && char <= 'Z';
}

/** `value` in base 62, left-padded with zeros to `width` characters. */
export function base62(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a serial: ${value}`);
  let text = '';
  for (let rest = value; rest > 0; rest = Math.floor(rest / 62)) text = BASE62[rest % 62]! + text;
  if (text.length > width) throw new RangeError(`${value} does not fit in ${width} base-62 digits`);
  return text.padStart(width, '0');
}

/** The pod of the `n`th org (1-based): `5g`, `5h`… */
export function podOf(n: number): string {
  return base62(BASE62.indexOf(FIRST_POD[0]!) * 62 + BASE62.indexOf(FIRST_POD[1]!) + n - 1, 2);
}

/** Appends Salesforce's case-safe checksum: one character per five, saying which were capitals. */
export function to18(id15: string): string {
  if (!ID15.test(id15)) throw new RangeError(`not a 15-character Salesforce id: ${id15}`);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (isUpper(id15[chunk * 5 + i]!)) bits |= 1 << i;
    suffix += SUFFIX_ALPHABET[bits];
  }
  return id15 + suffix;
}

/** The id of record number `serial` of an object type: 18 characters, as the API serves ids. */
export function salesforceId(keyPrefix: string, serial: number, pod: string = FIRST_POD): string {
  if (!/^[0-9A-Za-z]{3}$/.test(keyPrefix)) throw new RangeError(`not a key prefix: ${keyPrefix}`);
  if (!/^[0-9A-Za-z]{2}$/.test(pod)) throw new RangeError(`not a pod: ${pod}`);
  return to18(`${keyPrefix}${pod}0${base62(serial, SERIAL_DIGITS)}`);
}

/**
 * The canonical 18-character form of an id given in either length, or undefined when it is not
 * one. An 18-character id is accepted in any case, as Salesforce accepts it: its suffix restores
 * the capitals.
 */
export function normalizeId(id: string): string | undefined {
  if (ID15.test(id)) return to18(id);
  if (!ID18.test(id)) return undefined;
  const suffix = id.slice(15).toUpperCase();
  let restored = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_ALPHABET.indexOf(suffix[chunk]!);
    if (bits < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const char = id[chunk * 5 + i]!;
      const upper = (bits & (1 << i)) !== 0;
      const letter = char.toLowerCase() !== char.toUpperCase();
      if (upper && !letter) return undefined;
      restored += letter ? (upper ? char.toUpperCase() : char.toLowerCase()) : char;
    }
  }
  return restored + suffix;
}

/** Whether two ids, each 15 or 18 characters, name the same record. */
export function sameId(a: string, b: string): boolean {
  const left = normalizeId(a);
  return left !== undefined && left === normalizeId(b);
}

/** The three characters that say which object type an id belongs to. */
export function keyPrefixOf(id: string): string {
  return id.slice(0, 3);
}
