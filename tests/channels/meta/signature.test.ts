import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSignature, signatureHeader } from "../../../src/channels/meta/signature.js";
import { fixture } from "./meta-test-kit.js";

interface SignatureVectors {
  app_secret: string;
  inline_vectors: { raw_body_utf8: string; x_hub_signature_256: string; expect?: string }[];
  file_vectors: { file: string; x_hub_signature_256: string }[];
}

for (const kind of ["messenger", "whatsapp"] as const) {
  describe(`X-Hub-Signature-256 against the ${kind} fixtures' vectors`, () => {
    const vectors = JSON.parse(fixture(kind, "signatures.json")) as SignatureVectors;
    const present = vectors.file_vectors.filter((v) =>
      existsSync(new URL(`../../fixtures/${kind}/${v.file}`, import.meta.url)),
    );

    it("accepts every fixture file with its published signature, byte for byte", () => {
      expect(present.length).toBeGreaterThan(10);
      for (const v of present) {
        expect(checkSignature(fixture(kind, v.file), v.x_hub_signature_256, vectors.app_secret), v.file).toBe(
          "valid",
        );
        expect(signatureHeader(fixture(kind, v.file), vectors.app_secret)).toBe(v.x_hub_signature_256);
      }
    });

    it("rejects the negative inline vectors and accepts the positive one", () => {
      for (const v of vectors.inline_vectors) {
        const result = checkSignature(v.raw_body_utf8, v.x_hub_signature_256, vectors.app_secret);
        expect(result, v.expect ?? "valid vector").toBe(v.expect ? "invalid" : "valid");
      }
    });

    it("refuses a missing header, a malformed header and another app's secret", () => {
      const body = fixture(kind, present[0]?.file ?? "signatures.json");
      expect(checkSignature(body, undefined, vectors.app_secret)).toBe("missing");
      expect(checkSignature(body, "sha1=abc", vectors.app_secret)).toBe("invalid");
      expect(checkSignature(body, signatureHeader(body, "another secret"), vectors.app_secret)).toBe(
        "invalid",
      );
    });
  });
}
