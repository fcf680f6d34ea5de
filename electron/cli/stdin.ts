import { createInterface } from 'node:readline';

/** All of standard input as text (a secret piped in: `$token | ndes-companion register ... --token-stdin`). */
export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** One line of standard input (what the admin pastes), or null when input ends first. */
export async function readLine(stream: NodeJS.ReadableStream = process.stdin): Promise<string | null> {
  const lines = createInterface({ input: stream, terminal: false });
  try {
    for await (const line of lines) if (line.trim() !== '') return line;
    return null;
  } finally {
    lines.close();
  }
}
