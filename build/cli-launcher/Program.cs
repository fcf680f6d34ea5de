using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;

namespace NdesCompanion.Cli
{
    /// <summary>
    /// Starts the installed companion beside this file with --cli and the arguments given, relays
    /// standard input, output and error as UTF-8 text, and exits with the companion's exit code.
    /// The arguments reach the companion exactly as typed: they are quoted by the rules Windows
    /// programs split a command line by, never passed through a shell.
    /// </summary>
    public static class Program
    {
        public const string AppExecutable = "NDES Proxy Companion.exe";

        public static int Main(string[] args)
        {
            string folder = AppDomain.CurrentDomain.BaseDirectory;
            string app = Path.Combine(folder, AppExecutable);
            if (!File.Exists(app))
            {
                Console.Error.WriteLine("ndes-companion: " + app + " is missing. Repair or reinstall NDES Proxy Companion.");
                return 1;
            }
            var all = new string[args.Length + 1];
            all[0] = "--cli";
            Array.Copy(args, 0, all, 1, args.Length);
            var info = new ProcessStartInfo(app, CommandLine.Join(all))
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = new UTF8Encoding(false),
                StandardErrorEncoding = new UTF8Encoding(false),
                WorkingDirectory = Environment.CurrentDirectory,
            };
            Process? child;
            try
            {
                child = Process.Start(info);
            }
            catch (Win32Exception error) when (error.NativeErrorCode == 740)
            {
                Console.Error.WriteLine("ndes-companion: run it from an elevated prompt (Run as administrator): the companion reads and changes this server.");
                return 1;
            }
            if (child == null)
            {
                Console.Error.WriteLine("ndes-companion: " + app + " did not start.");
                return 1;
            }
            using (child)
            {
                // Ctrl+C: the companion (a windowed program) gets no console signal, so it is stopped here.
                Console.CancelKeyPress += (sender, e) =>
                {
                    e.Cancel = true;
                    try { child.Kill(); } catch (InvalidOperationException) { }
                };
                var output = new Thread(() => Relay(child.StandardOutput, Console.Out)) { IsBackground = true };
                var errors = new Thread(() => Relay(child.StandardError, Console.Error)) { IsBackground = true };
                output.Start();
                errors.Start();
                var input = new Thread(() => Forward(child)) { IsBackground = true };
                input.Start();
                child.WaitForExit();
                output.Join();
                errors.Join();
                return child.ExitCode;
            }
        }

        private static void Relay(StreamReader from, TextWriter to)
        {
            var buffer = new char[4096];
            int read;
            while ((read = from.Read(buffer, 0, buffer.Length)) > 0)
            {
                to.Write(buffer, 0, read);
                to.Flush();
            }
        }

        /// <summary>What the admin types or pipes in (a PFX password, a token) goes to the companion, and its end too.</summary>
        private static void Forward(Process child)
        {
            try
            {
                using (var input = new StreamWriter(child.StandardInput.BaseStream, new UTF8Encoding(false)))
                {
                    var buffer = new char[4096];
                    int read;
                    while ((read = Console.In.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        input.Write(buffer, 0, read);
                        input.Flush();
                    }
                }
            }
            catch (IOException)
            {
                // The companion ended before all of standard input was read.
            }
        }
    }

    /// <summary>
    /// Joins arguments into one Windows command line that CommandLineToArgvW and the C runtime
    /// split back into exactly those arguments: backslashes are literal unless they precede a
    /// quote, so they are doubled only there, and every argument with a space, tab or quote (or an
    /// empty one) is quoted.
    /// </summary>
    public static class CommandLine
    {
        public static string Join(string[] args)
        {
            var line = new StringBuilder();
            foreach (string arg in args)
            {
                if (line.Length > 0) line.Append(' ');
                Append(line, arg);
            }
            return line.ToString();
        }

        private static void Append(StringBuilder line, string arg)
        {
            if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0)
            {
                line.Append(arg);
                return;
            }
            line.Append('"');
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                if (c == '"')
                {
                    line.Append('\\', backslashes * 2 + 1);
                    line.Append('"');
                }
                else
                {
                    line.Append('\\', backslashes);
                    line.Append(c);
                }
                backslashes = 0;
            }
            line.Append('\\', backslashes * 2);
            line.Append('"');
        }
    }
}
