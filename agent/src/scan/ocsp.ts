/**
 * The stapled OCSP response (RFC 6960) a server sends when asked with status_request.
 * Node hands us the DER; pkijs decodes it. We record what the staple says; we do not fetch OCSP
 * ourselves (the agent must not reach out to CAs from inside a customer network uninvited).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { NO_OCSP_STAPLE, type OcspInfo } from '@vigilo/shared/snapshot';

/** Decodes a staple (null or empty = none was sent). Never throws: a bad staple is reported as such. */
export function parseOcspStaple(der: Buffer | null): OcspInfo {
  if (!der || der.length === 0) return { ...NO_OCSP_STAPLE };
  try {
    const asn = asn1js.fromBER(new Uint8Array(der).buffer);
    if (asn.offset === -1) throw new Error('not DER');
    const response = new pkijs.OCSPResponse({ schema: asn.result });
    const status = response.responseStatus.valueBlock.valueDec;
    if (status !== 0) return { ...NO_OCSP_STAPLE, stapled: true, error: `OCSP responseStatus ${status}` };
    const bytes = response.responseBytes?.response.valueBlock.valueHexView;
    if (!bytes) return { ...NO_OCSP_STAPLE, stapled: true, error: 'OCSP response without responseBytes' };
    const basic = new pkijs.BasicOCSPResponse({ schema: asn1js.fromBER(bytes.slice().buffer).result });
    const single = basic.tbsResponseData.responses[0];
    if (!single) return { ...NO_OCSP_STAPLE, stapled: true, error: 'OCSP response without a SingleResponse' };
    // certStatus is a CHOICE: [0] good, [1] revoked (with revocationTime), [2] unknown.
    const choice = single.certStatus as {
      idBlock?: { tagNumber?: number };
      valueBlock?: { value?: unknown[] };
    };
    const tag = choice.idBlock?.tagNumber;
    const certStatus = tag === 0 ? 'good' : tag === 1 ? 'revoked' : 'unknown';
    let revokedAt: string | null = null;
    if (tag === 1) {
      const time = choice.valueBlock?.value?.[0] as { toDate?: () => Date } | undefined;
      revokedAt = time?.toDate?.().toISOString() ?? null;
    }
    return {
      stapled: true,
      status: certStatus,
      produced_at: basic.tbsResponseData.producedAt.toISOString(),
      this_update: single.thisUpdate.toISOString(),
      next_update: single.nextUpdate?.toISOString() ?? null,
      revoked_at: revokedAt,
      error: null,
    };
  } catch (err) {
    return { ...NO_OCSP_STAPLE, stapled: true, error: `unparseable OCSP staple: ${(err as Error).message}` };
  }
}
