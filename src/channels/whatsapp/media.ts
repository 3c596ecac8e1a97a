import { z } from "zod";
import type { Attachment } from "../../db/schema.js";
import type { GraphClient } from "../meta/graph-client.js";

/** `GET /<media-id>`: where the file can be downloaded (with the same bearer token) for a while. */
const mediaMetadata = z.looseObject({
  url: z.string(),
  mime_type: z.string().optional(),
  file_size: z.number().optional(),
});

export interface MediaReference {
  id: string;
  mime_type?: string | undefined;
  filename?: string | undefined;
  url?: string | undefined;
}

/**
 * The attachment for a media message. Its metadata comes from Graph; when Graph cannot be
 * reached the attachment is kept anyway (with its media id), since losing the customer's
 * message would be worse than lacking its download link.
 */
export async function mediaAttachment(
  graph: GraphClient,
  accessToken: string,
  ref: MediaReference,
): Promise<{ attachment: Attachment; lookupError?: unknown }> {
  const base: Attachment = {
    contentType: ref.mime_type ?? "application/octet-stream",
    name: ref.filename,
    url: ref.url,
  };
  try {
    const meta = mediaMetadata.parse(await graph.get(encodeURIComponent(ref.id), accessToken));
    return {
      attachment: {
        ...base,
        contentType: meta.mime_type ?? base.contentType,
        url: meta.url,
        size: meta.file_size,
      },
    };
  } catch (lookupError) {
    return { attachment: base, lookupError };
  }
}
