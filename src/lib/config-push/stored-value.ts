// What Dokku's config file keeps of a value (apart from the dotenv parser of env-file.ts, so that
// triggers can ask without loading it).

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Why Dokku 0.38 would not keep this value as given, if it would not. Its ENV file is godotenv's
 * (v1.5.1): a value strconv.Atoi reads is written as that number (`007` comes back as `7`, `+1` as
 * `1`); a value in quotes loses any `"` at its end on reading; and one ending in a backslash escapes
 * its own closing quote, so the next line joins it and the app's config can no longer be read.
 * The reason names no part of the value.
 */
export function dokkuWouldChange(value: string): string | undefined {
  if (/^[+-]?[0-9]+$/.test(value)) {
    const number = BigInt(value);
    if (number >= INT64_MIN && number <= INT64_MAX && number.toString() !== value) {
      return 'is a number with a sign or leading zeros, which Dokku stores without them';
    }
  }
  if (value.endsWith('\\')) return 'ends in a backslash, which would make the app\'s config unreadable on Dokku';
  if (value.endsWith('"')) return 'ends in a double quote, which Dokku drops';
  return undefined;
}
