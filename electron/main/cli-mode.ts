/**
 * The installed app's console face: ndes-companion.exe (build/cli-launcher) starts this
 * executable with --cli first and relays its standard streams, because the runAsNode fuse is off
 * and a windowed program has no console of its own. Packaged, argv is [exe, '--cli', ...]; from
 * source, [electron, app folder, '--cli', ...].
 */
export const CLI_SWITCH = '--cli';

export function cliArguments(argv: readonly string[], packaged: boolean): string[] | null {
  const at = packaged ? 1 : 2;
  return argv[at] === CLI_SWITCH ? argv.slice(at + 1) : null;
}
