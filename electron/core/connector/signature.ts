import { z } from 'zod';

/** An Authenticode signature as our scripts print it (Get-AuthenticodeSignature): of an installer or of one of Microsoft's connector scripts. */
export const SignatureSchema = z.object({
  status: z.string(),
  signer: z.string().nullable(),
  thumbprint: z.string().nullable(),
  isMicrosoft: z.boolean(),
});
