import type { Context } from "koa";
import type { Attachment } from "../../db/schema.js";
import { badRequest, HttpError } from "../../http/errors.js";

/** The whole multipart body is read into memory to be parsed; this bounds it. */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;

export interface Upload {
  /** The `activity` part: the message the files belong to (its attachments list carries no content). */
  activity: unknown;
  /** What we keep of each file: its name, type and size. The bytes themselves are not stored. */
  attachments: Attachment[];
}

async function readBody(ctx: Context): Promise<Buffer> {
  const declared = Number(ctx.get("Content-Length") || 0);
  if (declared > MAX_UPLOAD_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_UPLOAD_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const tooLarge = () =>
  new HttpError(413, "payload_too_large", `An upload may be at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`);

/**
 * Direct Line's `/upload`: multipart/form-data with one `activity` part
 * (application/vnd.microsoft.activity) and a `file` part per attachment, as
 * botframework-directlinejs sends it. Parsed with the runtime's own multipart reader (fetch's Request).
 */
export async function readUpload(ctx: Context): Promise<Upload> {
  const contentType = ctx.get("Content-Type");
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    throw badRequest(
      "An upload must be multipart/form-data with an `activity` part and `file` parts.",
      "upload_not_multipart",
    );
  }
  const body = await readBody(ctx);
  let form: FormData;
  try {
    form = await new Request("http://upload.invalid/", {
      method: "POST",
      headers: { "content-type": contentType },
      body: new Uint8Array(body),
    }).formData();
  } catch {
    throw badRequest("The multipart body could not be read.", "upload_malformed");
  }
  const activityPart = form.get("activity");
  if (activityPart === null)
    throw badRequest("The upload has no `activity` part.", "upload_missing_activity");
  let activity: unknown;
  try {
    activity = JSON.parse(typeof activityPart === "string" ? activityPart : await activityPart.text());
  } catch {
    throw badRequest("The `activity` part is not JSON.", "upload_malformed");
  }
  const attachments = form
    .getAll("file")
    .filter((part): part is File => typeof part !== "string")
    .map((file) => ({
      name: file.name,
      contentType: file.type || "application/octet-stream",
      size: file.size,
    }));
  return { activity, attachments };
}
