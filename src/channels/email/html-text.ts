/**
 * Plain text from a mail's HTML part, for mail that has no text part. Block elements become line
 * breaks and `<blockquote>` content becomes "> " lines, so the quoted history of an HTML-only
 * reply is recognised by the same quote stripping as a plain-text one.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  shy: "",
  auml: "ä",
  ouml: "ö",
  uuml: "ü",
  Auml: "Ä",
  Ouml: "Ö",
  Uuml: "Ü",
  szlig: "ß",
  eacute: "é",
  egrave: "è",
  agrave: "à",
  aring: "å",
  Aring: "Å",
  oslash: "ø",
  aelig: "æ",
  ccedil: "ç",
  euro: "€",
  hellip: "…",
  ndash: "–",
  mdash: "—",
  laquo: "«",
  raquo: "»",
  copy: "©",
  reg: "®",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X"))
      return safeCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return safeCodePoint(Number.parseInt(name.slice(1), 10));
    return NAMED_ENTITIES[name] ?? entity;
  });
}

function safeCodePoint(code: number): string {
  return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
}

const BLOCK_TAGS = /<\/?(p|div|br|tr|li|ul|ol|table|h[1-6]|hr|pre|section|article|header|footer)\b[^>]*>/gi;
/** Stand-ins for <blockquote> and </blockquote> while the tags are stripped. */
const QUOTE_OPEN = "\u0001";
const QUOTE_CLOSE = "\u0002";

export function htmlToText(html: string): string {
  const flat = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(head|style|script|title)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/\s+/g, " ")
    .replace(/<blockquote\b[^>]*>/gi, `\n${QUOTE_OPEN}\n`)
    .replace(/<\/blockquote\s*>/gi, `\n${QUOTE_CLOSE}\n`)
    .replace(BLOCK_TAGS, "\n")
    .replace(/<[^>]*>/g, "");
  const lines: string[] = [];
  let depth = 0;
  for (const raw of decodeEntities(flat).split("\n")) {
    if (raw === QUOTE_OPEN) depth++;
    else if (raw === QUOTE_CLOSE) depth = Math.max(0, depth - 1);
    else lines.push(`${"> ".repeat(depth)}${raw.replace(/[ \t\u00a0]+/g, " ").trim()}`.trimEnd());
  }
  return lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
