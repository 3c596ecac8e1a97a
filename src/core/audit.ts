import type { Tx } from "../db/client.js";
import { auditLog } from "../db/schema.js";

/** One line in the audit log: who did what to which thing, and the details that explain it. */
export async function recordAudit(
  tx: Tx,
  entry: {
    workspaceId: string;
    actor: string;
    action: string;
    subjectType: string;
    subjectId?: string | null | undefined;
    details?: Record<string, unknown> | undefined;
    now: Date;
  },
): Promise<void> {
  await tx.insert(auditLog).values({
    workspaceId: entry.workspaceId,
    actor: entry.actor,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId ?? null,
    details: entry.details ?? {},
    createdAt: entry.now,
  });
}
