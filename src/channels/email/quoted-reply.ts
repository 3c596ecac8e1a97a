/**
 * Cuts a customer's reply down to what they wrote now: the quoted history, the "On … wrote:"
 * line above it, forwarded or "Original Message" blocks, header blocks that Outlook puts above
 * the old mail, and mobile or `-- ` signatures. Each line is classified, then a few rules decide
 * where the new text ends (the approach of discourse/email_reply_trimmer, written anew here).
 */

type LineKind = "empty" | "text" | "quote" | "marker" | "header" | "signature";

/** "On <date>, <name> wrote:" in the languages our customers' mail clients speak. */
const WROTE_MARKERS: RegExp[] = [
  /^On\b.{4,}\bwrote:$/i,
  /^Op\b.+\b(schreef|geschreven)\b.*:$/i,
  /^(Am\b.+\bschrieb\b.*|.+\bschrieb am\b.+):$/i,
  /^(Den|På)\b.+\bskrev\b.*:$/i,
  /^Le\b.+\ba écrit\s*:$/i,
  /^El\b.+\bescribió\s*:$/i,
  /^Em\b.+\bescreveu\s*:$/i,
  /^Il\b.+\bha scritto\s*:$/i,
  /^.+\snapisał(\(a\)|a)?\s*:$/i,
  /^.+\sнаписал(а)?\s*:$/i,
  /^.+\sпише\s*:$/i,
  /^.*写道[：:]$/,
  // Gmail's older and non-English forms: "2016-10-24 15:36 GMT+02:00 Name <a@b>:", "2013/7/20 Name <a@b>".
  /^\d{4}[-/]\d{1,2}[-/]\d{1,2}\b.*<[^<>]+@[^<>]+>:?$/,
  /^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}\b.*<[^<>]+@[^<>]+>.*:$/,
];

/** Zoho and friends put dashes around it and drop the colon: "---- On … wrote ----". */
const DASHED_WROTE = /^-{2,}\s*(On\b.+\bwrote)\s*-{2,}$/i;

/** The words inside "----- Original Message -----"-style separators, per language. */
const SEPARATOR_WORDS =
  /(original|forwarded|ursprüngliche|weitergeleitet|oorspronkelijk|doorgestuurd|origine|transféré|reenviado|originale|inoltrato|oryginalna|przekazana|исходное|пересылаемое|opprinnelig|videresendt|vidarebefordrat|ursprungligt|originalmeddelande)/i;
const SEPARATOR = /^\s*-{2,}\s*[^-].{2,50}?\s*-{2,}\s*$/;
const FORWARD_INTRO =
  /^(Begin forwarded message|Début du message réexpédié|Anfang der weitergeleiteten)\b.*:$/i;

/** Field names of the header block a client writes above quoted mail ("From: … Sent: … To:"). */
const HEADER_FIELDS = [
  "from|sent|to|cc|subject|date|reply-to",
  "von|gesendet|an|betreff|datum",
  "van|verzonden|aan|onderwerp",
  "från|skickat|till|ämne|fra|sendt|til|emne",
  "de|envoyé|à|objet|date",
  "enviado|para|asunto|fecha|enviada|assunto",
  "da|inviato|data|a|oggetto|risposta",
  "od|wysłane|do|temat",
  "от|отправлено|кому|тема|дата",
].join("|");
const HEADER_LINE = new RegExp(`^\\s*\\*?(${HEADER_FIELDS})\\s*\\*?\\s*:`, "i");

/** One line that ends the reply: the standard signature separator and "sent from my phone" lines. */
const SIGNATURE_LINES: RegExp[] = [
  /^-- ?$/,
  /^(sent|envoyé|enviado|inviato|gesendet|verzonden|skickat|sendt|wysłane|отправлено)\s+(from|depuis|desde|de|da|von|met|från|fra|z|с|via|with|using|on)\b.{0,120}$/i,
  /^von meinem .{1,60} gesendet\.?$/i,
  /^diese nachricht wurde von meinem .{1,100} gesendet\.?$/i,
  /^get outlook for .{1,30}$/i,
  /^從我的.{1,30}傳送$/,
];

const BLANK = /^\s*$/;
const QUOTE = /^\s*>/;
const DELIMITER = /^\s*[-_=~*—]{4,}\s*$/;
/** How many lines one "On … wrote:" may be wrapped over by the customer's client. */
const MARKER_SPAN = 5;

function isMarker(line: string): boolean {
  const trimmed = line.trim().replace(/\s+/g, " ");
  if (DASHED_WROTE.test(trimmed) || FORWARD_INTRO.test(trimmed)) return true;
  if (SEPARATOR.test(trimmed) && SEPARATOR_WORDS.test(trimmed)) return true;
  return WROTE_MARKERS.some((r) => r.test(trimmed));
}

function classify(line: string): LineKind {
  if (BLANK.test(line)) return "empty";
  if (isMarker(line)) return "marker";
  if (QUOTE.test(line)) return "quote";
  if (SIGNATURE_LINES.some((r) => r.test(line.trim()))) return "signature";
  if (HEADER_LINE.test(line)) return "header";
  return "text";
}

/**
 * Mail clients wrap a long "On … wrote:" line. Where a few consecutive lines together form a
 * marker (and the first of them alone does not quote anything), they become one line.
 */
function joinWrappedMarkers(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    // An address broken after its "<" belongs to the line above, whatever that line says.
    const previous = out.at(-1);
    const rejoined = `${previous?.trimEnd()}${line.trim()}`;
    if (previous !== undefined && /<\s*$/.test(previous) && isMarker(rejoined)) {
      out[out.length - 1] = rejoined;
      continue;
    }
    out.push(line);
    if (BLANK.test(line) || isMarker(line)) continue;
    for (let span = 2; span <= Math.min(MARKER_SPAN, out.length); span++) {
      const window = out.slice(out.length - span);
      if (QUOTE.test(window[0] ?? "")) break;
      const joined = window
        .map((l) => l.trim())
        .filter((l) => l !== "")
        .join(" ");
      if (isMarker(joined)) {
        out.splice(out.length - span, span, joined);
        break;
      }
    }
  }
  return out;
}

/** Removes blank and delimiter lines at the end (left above a cut). */
function dropTrailingFiller(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (BLANK.test(lines[end - 1] ?? "") || DELIMITER.test(lines[end - 1] ?? ""))) end--;
  return lines.slice(0, end);
}

function headerRunLength(kinds: LineKind[], start: number): number {
  let end = start;
  while (kinds[end] === "header") end++;
  return end - start;
}

/** The new text of a reply, or the whole text when nothing in it looks like quoted history. */
export function stripQuotedReply(body: string): string {
  const lines = joinWrappedMarkers(body.replace(/\r\n?/g, "\n").split("\n"));
  const kept: string[] = [];
  let keptText = false;
  let skippingQuote = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const kind = classify(line);
    if (skippingQuote && (kind === "quote" || kind === "empty")) continue;
    skippingQuote = false;
    if (kind === "marker" || kind === "signature") {
      if (keptText) break;
      // A marker above the customer's text (they answered below the quote): drop it and its quote.
      skippingQuote = kind === "marker";
      continue;
    }
    if (kind === "header") {
      const kinds = lines.slice(i, i + 8).map(classify);
      if (headerRunLength(kinds, 0) >= 3) {
        if (keptText) break;
        i += headerRunLength(kinds, 0) - 1;
        continue;
      }
    }
    if (kind === "text" || kind === "header") keptText = true;
    kept.push(line);
  }
  let result = dropTrailingFiller(kept);
  // Quotes after the customer's text are the history they answered; quotes between their lines stay.
  if (keptText) {
    let end = result.length;
    while (end > 0 && /^(\s*>.*|\s*)$/.test(result[end - 1] ?? "")) end--;
    result = result.slice(0, end);
  }
  while (result.length > 0 && BLANK.test(result[0] ?? "")) result.shift();
  return result.map((l) => l.trimEnd()).join("\n");
}
