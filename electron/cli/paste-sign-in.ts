import { CompanionError } from '../core/errors.ts';
import type { SignInWindow } from '../core/ports.ts';

/**
 * The CLI's sign-in window is any browser: on Server Core there is none to open, so the admin
 * opens the address on another machine, signs in, and pastes back the address of the blank page
 * the sign-in ends on. The code in it is useless without the PKCE verifier this process keeps.
 */
export function pasteSignInWindow(io: { err(text: string): void; readLine?(): Promise<string | null> }): SignInWindow {
  return {
    async open({ authorizeUrl, redirectUri, signal }) {
      if (!io.readLine)
        throw new CompanionError(
          'NOT_AVAILABLE',
          'This CLI cannot read a pasted address.',
          'Use --token-stdin or --device-code.',
        );
      io.err(
        [
          'Open this address in a browser (on this server or any other), sign in with an Application Administrator of the tenant, and accept:',
          '',
          authorizeUrl,
          '',
          `The sign-in ends on a blank page whose address starts with ${redirectUri}?code=`,
          'Copy that whole address from the address bar, paste it here and press Enter:',
        ].join('\n'),
      );
      const aborted = new Promise<never>((_resolve, reject) => {
        if (signal?.aborted)
          reject(new CompanionError('CANCELLED', 'The sign-in was cancelled.', 'Run the command again when ready.'));
        signal?.addEventListener(
          'abort',
          () =>
            reject(new CompanionError('CANCELLED', 'The sign-in was cancelled.', 'Run the command again when ready.')),
          { once: true },
        );
      });
      const line = await Promise.race([io.readLine(), aborted]);
      if (line === null)
        throw new CompanionError(
          'INVALID_REQUEST',
          'Standard input ended before an address was pasted.',
          'Run the command in a console and paste the address, or use --token-stdin or --device-code.',
        );
      return line.trim();
    },
  };
}
