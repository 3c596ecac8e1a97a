/**
 * Splits text into parts of at most `maxLength` characters, preferring to cut after a sentence,
 * then at a line break, then at a space, and only as a last resort inside a word. Meta refuses a
 * text over its limit (Messenger 2,000, WhatsApp 4,096), so long answers go out as several messages.
 */
export function splitText(text: string, maxLength: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > maxLength) {
    const cut = cutPoint(rest, maxLength);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

const SENTENCE_END = /[.!?…。！？]["')\]»”’]*\s/g;

function cutPoint(text: string, maxLength: number): number {
  const window = text.slice(0, maxLength + 1);
  let sentence = -1;
  for (const match of window.matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length - 1;
    if (end <= maxLength) sentence = end;
  }
  // A cut in the first half would leave a stub part; a line break or space nearer the limit reads better.
  if (sentence > maxLength / 2) return sentence;
  const lineBreak = window.lastIndexOf("\n");
  if (lineBreak > maxLength / 2) return lineBreak;
  const space = window.lastIndexOf(" ");
  if (space > 0) return space;
  return maxLength;
}
