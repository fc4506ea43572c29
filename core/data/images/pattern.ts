// File-name patterns for image folders whose names carry the labels, e.g. UTKFace's
// `[age]_[gender]_[race]_[date&time].jpg` (https://susanqq.github.io/UTKFace/) written `{age}_{gender}_{race}_{_}.jpg`.
// `{name}` captures a non-empty field without '/', `{_}` matches one without keeping it; everything else is literal.

/** A parsed pattern: the field names it keeps (in pattern order) and the regular expression that matches a whole name. */
export interface FileNamePattern {
  fields: string[];
  regex: RegExp;
}

const FIELD = /\{([^{}]*)\}/g;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IGNORED = '_';

const escapeLiteral = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Parses a pattern, or returns the problem with it (for the spec's error message). */
export function parseFileNamePattern(pattern: string): FileNamePattern | string {
  const fields: string[] = [];
  let source = '^';
  let last = 0;
  for (const match of pattern.matchAll(FIELD)) {
    const name = match[1]!;
    if (!FIELD_NAME.test(name))
      return `'{${name}}' is not a field name (letters, digits and '_', or {_} to skip a field)`;
    if (name !== IGNORED && fields.includes(name)) return `field '{${name}}' appears twice`;
    source += escapeLiteral(pattern.slice(last, match.index));
    // Lazy, so a literal separator ends the field at its first occurrence and the last field takes the rest.
    source += name === IGNORED ? '[^/]+?' : '([^/]+?)';
    if (name !== IGNORED) fields.push(name);
    last = match.index + match[0].length;
  }
  const rest = pattern.slice(last);
  if (rest.includes('{') || rest.includes('}') || pattern.slice(0, last).replace(FIELD, '').match(/[{}]/))
    return "a '{' or '}' outside a {field}";
  if (fields.length === 0) return 'the pattern has no {field} to read a label or group from';
  return { fields, regex: new RegExp(`${source}${escapeLiteral(rest)}$`) };
}

/** The field values of a file name (its path relative to the folder), or undefined when it does not match. */
export function matchFileName(pattern: FileNamePattern, name: string): string[] | undefined {
  const match = pattern.regex.exec(name);
  return match === null ? undefined : match.slice(1);
}
